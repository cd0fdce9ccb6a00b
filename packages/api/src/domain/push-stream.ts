/**
 * A stream that a transport may also have pushed to it. Pulling an async iterable costs a promise
 * (and its jobs) per event per reader; for a room of hundreds that is most of the cost of a
 * delivery. A transport that can write an event out the moment it is emitted asks for it with
 * `listen`; everything else iterates the stream as usual.
 */

/** An async iterable whose values can be handed to a callback instead, as they come. */
export interface PushStream<T> extends AsyncIterable<T> {
  /**
   * From now on hands every value to `sink` synchronously as it is emitted, those waiting first,
   * at once; calls `onEnd` once when the stream ends (at once if it already has). The stream must
   * not be iterated as well. `sink` runs inside the producer's call, so it must not throw.
   */
  listen(sink: (value: T) => void, onEnd: () => void): void;
}

/** Whether `stream` can be pushed to (see `PushStream`). */
export function isPushStream<T>(stream: AsyncIterable<T>): stream is PushStream<T> {
  return typeof (stream as Partial<PushStream<T>>).listen === "function";
}
