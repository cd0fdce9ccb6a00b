import type { PushStream } from "./push-stream.js";

/**
 * A single-consumer async queue: producers `push()` synchronously, one `for await` drains it,
 * or one `listen` callback receives each value as it is pushed. It replaces `events.on()`, which
 * allocates two 2,048-slot buffers (~35 KiB) per subscription; this one holds an array and at
 * most one pending promise.
 */
export class EventQueue<T> implements AsyncIterableIterator<T>, PushStream<T> {
  private buffer: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | null = null;
  private done = false;
  private detach: (() => void) | null = null;
  private sink: ((value: T) => void) | null = null;
  private onEnd: (() => void) | null = null;

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
    const onAbort = (): void => this.close();
    signal.addEventListener("abort", onAbort, { once: true });
    // A long-lived signal shared by many streams must not collect their listeners.
    this.detach = () => signal.removeEventListener("abort", onAbort);
    return this;
  }

  /** Delivers `value` to the consumer, or buffers it until the consumer asks. */
  readonly push = (value: T): void => {
    if (this.done) return;
    if (this.sink !== null) {
      this.sink(value);
      return;
    }
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = null;
      waiting({ value, done: false });
    } else {
      this.buffer.push(value);
    }
  };

  /** How many values wait for the consumer. */
  get pending(): number {
    return this.buffer.length;
  }

  listen(sink: (value: T) => void, onEnd: () => void): void {
    const waiting = this.buffer;
    // Indexed, not iterated once: a value pushed by `sink` itself lands in `waiting` and is
    // handed over in its turn, after the ones before it.
    for (let index = 0; index < waiting.length; index++) sink(waiting[index] as T);
    this.buffer = [];
    if (this.done) {
      onEnd();
      return;
    }
    this.sink = sink;
    this.onEnd = onEnd;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffer.length > 0) {
      const value = this.buffer.shift() as T;
      return Promise.resolve({ value, done: false });
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
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

  /** Ends the queue: the consumer drains what is buffered, then sees `done`. */
  close(): void {
    if (this.done) return;
    this.done = true;
    this.detach?.();
    this.onClose();
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.({ value: undefined, done: true });
    const onEnd = this.onEnd;
    this.sink = null;
    this.onEnd = null;
    onEnd?.();
  }
}
