/**
 * Group commit: the messages published in one turn of the event loop are committed in one
 * transaction at its end, then handed on (fanned out) and acknowledged together. A publisher's
 * promise resolves only after its row is committed, so an acknowledged message survives the
 * process being killed, while a busy room pays one commit per turn rather than one per message.
 */

/** An entry waiting for the commit, with its publisher's promise. */
interface Waiting<T> {
  entry: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Batches entries per turn; `commit` and `committed` run synchronously, one after the other. */
export class GroupCommit<T> {
  private waiting: Waiting<T>[] = [];
  private scheduled: NodeJS.Immediate | null = null;

  constructor(
    /** Writes the batch, all or nothing; throwing fails every entry of it. */
    private readonly commit: (entries: readonly T[]) => void,
    /** Runs once the batch is committed, before any publisher is answered. */
    private readonly committed: (entries: readonly T[]) => void,
    /** Maps a failed commit to what each publisher is told. */
    private readonly failed: (error: unknown) => unknown,
  ) {}

  /** Queues `entry` for this turn's commit; resolves once it is committed. */
  add(entry: T): Promise<void> {
    this.scheduled ??= setImmediate(() => this.flush());
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ entry, resolve, reject });
    });
  }

  /** Commits what waits now, rather than at the end of the turn (for `close()`). */
  flush(): void {
    if (this.scheduled !== null) clearImmediate(this.scheduled);
    this.scheduled = null;
    const batch = this.waiting;
    if (batch.length === 0) return;
    this.waiting = [];
    const entries = batch.map((waiting) => waiting.entry);
    try {
      this.commit(entries);
    } catch (error) {
      const refusal = this.failed(error);
      for (const waiting of batch) waiting.reject(refusal);
      return;
    }
    this.committed(entries);
    for (const waiting of batch) waiting.resolve();
  }
}
