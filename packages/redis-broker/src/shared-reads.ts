/**
 * Reads that concurrent stream starts share. Every start that asks for the same key before its
 * read is issued gets the same promise, so a hundred starts of one room in one frame cost Redis
 * one read, not a hundred (issue 12, attack A″). A read is issued at the end of the turn of the
 * event loop in which it was first asked for, or earlier by `flush()`, which the broker calls
 * before it sends any other command: a stream is then still placed before any later call on this
 * node, since Redis runs one connection's commands in the order they were sent.
 */

/** A read asked for and not yet issued, with the callers' promise. */
interface Waiting<T> {
  run: () => Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
  promise: Promise<T>;
}

/** Shares one read per key among the callers of one turn. */
export class SharedReads<T> {
  private readonly waiting = new Map<string, Waiting<T>>();
  private scheduled: NodeJS.Immediate | null = null;

  /** The result of `run()` for `key`, shared with every caller that asks before it is issued. */
  read(key: string, run: () => Promise<T>): Promise<T> {
    const found = this.waiting.get(key);
    if (found !== undefined) return found.promise;
    let resolve: (value: T) => void = () => {};
    let reject: (error: unknown) => void = () => {};
    const promise = new Promise<T>((ok, fail) => {
      resolve = ok;
      reject = fail;
    });
    this.waiting.set(key, { run, resolve, reject, promise });
    this.scheduled ??= setImmediate(() => this.flush());
    return promise;
  }

  /** Issues every read asked for so far; their first commands are sent before this returns. */
  flush(): void {
    if (this.scheduled !== null) clearImmediate(this.scheduled);
    this.scheduled = null;
    if (this.waiting.size === 0) return;
    const batch = [...this.waiting.values()];
    this.waiting.clear();
    for (const { run, resolve, reject } of batch) {
      try {
        run().then(resolve, reject);
      } catch (error) {
        reject(error);
      }
    }
  }
}

/** `promise`, or a rejection with `error()` once `ms` have passed first. */
export async function beforeDeadline<T>(promise: Promise<T>, ms: number, error: () => unknown): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
