/**
 * Flooding, told apart from a burst. A client that sends more than a limit allows in one go is
 * answered `TOO_MANY_REQUESTS` with a `retryAfterMs` for the excess, and that is all: it had not
 * been told to wait yet. A client that keeps calling after it was told to wait, before that wait
 * is over, is flooding: each such refusal is a strike, and enough strikes within a window close
 * the connection (1008). A request counts as arriving after the telling only when it came in a
 * frame received after the refusal was sent, so requests of one frame, or sent before the answer
 * could have reached the client, are never held against it.
 */
import type { Clock } from "@chat/api";
import { type StrikeOptions, StrikeWindow } from "./strikes.js";

/** A wait a client was told, for one procedure. */
interface Told {
  /** Frames the connection had received when the refusal went out: later frames came after it. */
  afterFrame: number;
  /** When the wait is over (the clock's time). */
  until: number;
}

/** One connection's record of the waits it was told and the strikes it earned. */
export class FloodWatch {
  private readonly told = new Map<string, Told>();
  private readonly strikes: StrikeWindow;
  private flooded = false;

  constructor(
    options: StrikeOptions,
    private readonly clock: Clock,
    /** Called once, on the turn after the refusal that made the connection a flooder was answered. */
    private readonly onFlood: () => void,
  ) {
    this.strikes = new StrikeWindow(options, clock);
  }

  /**
   * Records a `TOO_MANY_REQUESTS` refusal of `path` for a request of frame `frame`, sent when
   * `framesReceived` frames had come in, telling the client to wait `retryAfterMs` (null: no wait
   * was named, so nothing is held against a retry).
   */
  refused(path: string, frame: number, framesReceived: number, retryAfterMs: number | null): void {
    const now = this.clock.now();
    const told = this.told.get(path);
    const waiting = told !== undefined && now < told.until;
    if (waiting && frame > told.afterFrame) this.strike();
    if (retryAfterMs === null) return;
    // While a wait is on, it dates from when it was first told: telling again does not excuse what
    // the client sends after the first telling.
    this.told.set(path, waiting ? { afterFrame: told.afterFrame, until: Math.max(told.until, now + retryAfterMs) } : { afterFrame: framesReceived, until: now + retryAfterMs });
  }

  private strike(): void {
    if (this.flooded || !this.strikes.strike()) return;
    this.flooded = true;
    // On the next turn, so the refusal that tipped it over is answered before the close.
    setImmediate(this.onFlood);
  }
}
