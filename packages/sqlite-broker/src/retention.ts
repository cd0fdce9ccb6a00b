/**
 * `HISTORY_RETENTION_DAYS`: messages older than the retention are deleted in the background, a
 * small batch per turn of the event loop, so that deleting a year of history never holds up a
 * send. A reader resuming from a deleted message is told of the gap (the room's floor moves).
 */
import type { Clock } from "@chat/api";
import type { MessageStore } from "./message-store.js";

/**
 * Messages deleted per transaction: some tens of milliseconds at most, most of it the search
 * index taking their words out of its pages (its secure-delete, which deletions by people need).
 */
const BATCH = 500;

/** Deletes expired messages every `sweepMs`, and once at start. */
export class Retention {
  private readonly timer: NodeJS.Timeout;
  private sweeping: NodeJS.Immediate | null = null;
  private stopped = false;

  constructor(
    private readonly store: MessageStore,
    private readonly clock: Clock,
    private readonly retentionMs: number,
    sweepMs: number,
    /** Told when a batch cannot be deleted; the next sweep tries again. */
    private readonly failed: (error: unknown) => void,
  ) {
    this.timer = setInterval(() => this.sweep(), sweepMs);
    this.timer.unref();
    this.sweep();
  }

  /** Stops sweeping; a batch under way has already committed. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    if (this.sweeping !== null) clearImmediate(this.sweeping);
    this.sweeping = null;
  }

  /** Deletes a batch, and goes on in the next turn while a full batch went. */
  private sweep(): void {
    if (this.stopped || this.sweeping !== null) return;
    const step = (): void => {
      this.sweeping = null;
      if (this.stopped) return;
      try {
        const deleted = this.store.deleteOlderThan(this.clock.now() - this.retentionMs, BATCH);
        if (deleted >= BATCH) this.sweeping = setImmediate(step);
      } catch (error) {
        this.failed(error);
      }
    };
    this.sweeping = setImmediate(step);
  }
}
