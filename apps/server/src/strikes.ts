import type { Clock } from "@chat/api";

/** When refusals add up to flooding. */
export interface StrikeOptions {
  /** Refusals within `windowMs` that make a connection a flooder. @default 20 */
  limit: number;
  /** How far back refusals count. @default 10000 */
  windowMs: number;
}

/**
 * Counts a connection's rate-limit refusals over a sliding window, to tell a client that keeps
 * calling after being told to wait from one that went over a limit once. It keeps only the times
 * of the last `limit` refusals, so its memory is bounded however hard a client floods.
 */
export class StrikeWindow {
  /** The last `limit` strike times; once full, a ring whose oldest entry is at `next`. */
  private readonly times: number[] = [];
  private next = 0;

  constructor(
    private readonly options: StrikeOptions,
    private readonly clock: Clock,
  ) {}

  /** Records one refusal; returns true when `limit` of them fell within the last `windowMs`. */
  strike(): boolean {
    const now = this.clock.now();
    const { limit, windowMs } = this.options;
    if (this.times.length < limit) {
      this.times.push(now);
    } else {
      this.times[this.next] = now;
      this.next = (this.next + 1) % limit;
    }
    if (this.times.length < limit) return false;
    const oldest = this.times[this.next] ?? now;
    return now - oldest < windowMs;
  }
}
