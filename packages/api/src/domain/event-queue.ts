import type { PushStream, StreamFailure, StreamListener } from "@chat/trpc-ws/push-stream";

/**
 * A single-consumer async queue: producers `push()` synchronously, one `for await` drains it,
 * or one `listen`er receives each value as it is pushed. It replaces `events.on()`, which
 * allocates two 2,048-slot buffers (~35 KiB) per subscription; this one holds an array and at
 * most one pending promise.
 */
export class EventQueue<T> implements AsyncIterableIterator<T>, PushStream<T> {
  private buffer: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | null = null;
  /** Rejects the promise `waiting` resolves, for a queue that fails while its consumer waits. */
  private waitingFailed: ((error: unknown) => void) | null = null;
  private done = false;
  /** Why the queue ended, when it failed; a pulling consumer is told once, after what was buffered. */
  private failure: StreamFailure | null = null;
  /** The signal given to `closeOn`, until the queue ends. */
  private signal: AbortSignal | null = null;
  private listener: StreamListener<T> | null = null;

  /**
   * @param onClose runs once when the queue ends (consumer `return()`, `close()` or the signal
   *   given to `closeOn()`), to detach it from its source.
   */
  constructor(private readonly onClose: () => void) {}

  /** Closes the queue when `signal` aborts (at once if it already has). */
  closeOn(signal: AbortSignal): this {
    if (signal.aborted) {
      this.close();
      return this;
    }
    // The queue is the listener (`handleEvent`): no closure per stream.
    signal.addEventListener("abort", this, { once: true });
    this.signal = signal;
    return this;
  }

  /** The abort of the signal given to `closeOn`. */
  handleEvent(): void {
    this.close();
  }

  /**
   * Delivers `value` to the consumer, or buffers it until the consumer asks. The value is frozen
   * first: every reader of a room gets the same object, and a transport may serialise it once for
   * all of them only if it cannot change (`@chat/trpc-ws` shares frames of frozen values only).
   */
  readonly push = (value: T): void => {
    if (this.done) return;
    if (typeof value === "object" && value !== null && !Object.isFrozen(value)) Object.freeze(value);
    if (this.listener !== null) {
      this.listener.onValue(value);
      return;
    }
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = null;
      this.waitingFailed = null;
      waiting({ value, done: false });
    } else {
      this.buffer.push(value);
    }
  };

  /** How many values wait for the consumer. */
  get pending(): number {
    return this.buffer.length;
  }

  listen(listener: StreamListener<T>): void {
    const waiting = this.buffer;
    // Indexed, not iterated once: a value pushed by the listener itself lands in `waiting` and is
    // handed over in its turn, after the ones before it.
    for (let index = 0; index < waiting.length; index++) listener.onValue(waiting[index] as T);
    this.buffer = [];
    if (this.done) listener.onEnd(this.takeFailure());
    else this.listener = listener;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffer.length > 0) {
      const value = this.buffer.shift() as T;
      return Promise.resolve({ value, done: false });
    }
    if (this.done) {
      const failure = this.takeFailure();
      return failure === undefined ? Promise.resolve({ value: undefined, done: true }) : Promise.reject(failure.error);
    }
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.waitingFailed = reject;
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.close();
    this.buffer = [];
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /**
   * Ends the queue because it cannot go on (its start could not be read, say): the consumer drains
   * what is buffered, then its `next()` rejects with `error`, or its listener's `onEnd` gets it.
   */
  fail(error: unknown): void {
    if (this.done) return;
    this.failure = { error };
    this.close();
  }

  /** Ends the queue: the consumer drains what is buffered, then sees `done`. */
  close(): void {
    if (this.done) return;
    this.done = true;
    // A long-lived signal shared by many streams must not collect their listeners.
    this.signal?.removeEventListener("abort", this);
    this.signal = null;
    this.onClose();
    const { waiting, waitingFailed, listener } = this;
    this.waiting = null;
    this.waitingFailed = null;
    this.listener = null;
    if (listener !== null) listener.onEnd(this.takeFailure());
    else if (waiting !== null) {
      const failure = this.takeFailure();
      if (failure === undefined) waiting({ value: undefined, done: true });
      else waitingFailed?.(failure.error);
    }
  }

  /** The failure, handed out once: a consumer that asks again after it sees a plain end. */
  private takeFailure(): StreamFailure | undefined {
    const failure = this.failure ?? undefined;
    this.failure = null;
    return failure;
  }
}
