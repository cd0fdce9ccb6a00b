/**
 * One timer for the heartbeats of every connection of a server. tRPC's `handleKeepAlive` keeps two
 * timers and four closures per connection and re-arms a timer on every message received; here a
 * message only sets a flag, and a sweep a few times per interval does the rest.
 */

/** A connection whose liveness the heartbeat checks. */
export interface HeartbeatMember {
  /** Called on every sweep with the time (ms, monotonic). */
  beat(now: number): void;
}

/** Sweeps its members every `tickMs`, while it has any: an idle server keeps no timer. */
export class Heartbeat {
  private readonly members = new Set<HeartbeatMember>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly tickMs: number) {}

  add(member: HeartbeatMember): void {
    this.members.add(member);
    // Unref'd: a heartbeat is no reason to keep the process alive.
    this.timer ??= setInterval(() => this.sweep(), this.tickMs).unref();
  }

  delete(member: HeartbeatMember): void {
    this.members.delete(member);
    if (this.members.size > 0) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private sweep(): void {
    const now = performance.now();
    for (const member of this.members) member.beat(now);
  }
}
