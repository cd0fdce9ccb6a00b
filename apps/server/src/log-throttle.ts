/**
 * At most one log line per key (a client address, a connection) per interval, so that a flood of refusals
 * cannot flood the log: the line that is written says how many events it stands for.
 */
import type { Clock } from "@chat/api";

/** What is known of one key since its last line. */
interface Tally {
  /** When its last line was written. */
  at: number;
  /** Events held back since then. */
  held: number;
}

/** Decides which events of a key get a log line. */
export class LogThrottle {
  readonly #keys = new Map<string, Tally>();
  #prunedAt: number;

  constructor(
    /** The shortest time between two lines of one key. */
    private readonly intervalMs: number,
    private readonly clock: Clock,
  ) {
    this.#prunedAt = clock.now();
  }

  /**
   * Records an event of `key`. Returns how many events a line written now would stand for (this one
   * and those held back since the key's last line), or 0 when no line is due yet.
   */
  take(key: string): number {
    const now = this.clock.now();
    const tally = this.#keys.get(key);
    let events = 0;
    if (tally !== undefined && now - tally.at < this.intervalMs) tally.held++;
    else {
      events = (tally?.held ?? 0) + 1;
      this.#keys.set(key, { at: now, held: 0 });
    }
    // After the key is settled, so that its own count is read before it could be forgotten.
    this.prune(now);
    return events;
  }

  /**
   * Forgets keys whose last line is older than the interval, once per interval: the map then
   * holds only the keys of the last two intervals, however many addresses a flood comes from. A
   * key forgotten with events held back loses their count, never a line.
   */
  private prune(now: number): void {
    if (now - this.#prunedAt < this.intervalMs) return;
    this.#prunedAt = now;
    for (const [key, tally] of this.#keys) {
      if (now - tally.at >= this.intervalMs) this.#keys.delete(key);
    }
  }
}
