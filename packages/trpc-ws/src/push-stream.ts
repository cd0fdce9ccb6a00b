/**
 * A stream that the transport may have pushed to it instead of pulling it. Pulling an async
 * iterable costs a promise (and its jobs) per event per reader; for a room of hundreds that is
 * most of the cost of a delivery. A subscription whose procedure returns a stream with `listen`
 * has each event written the moment it is emitted; everything else is iterated as tRPC does.
 *
 * The interface is declared here, by its consumer, so that producers satisfy it structurally
 * and need not depend on this package.
 */

/**
 * What a pushed stream calls. An object with methods rather than two callbacks, so that a reader
 * which is one already (the transport's subscription) costs no closures: there are thousands.
 */
export interface StreamListener<T> {
  /** Runs inside the producer's call, so it must not throw. */
  onValue(value: T): void;
  /** Runs once, when the stream ends; with `failure` when it ended because it could not go on. */
  onEnd(failure?: StreamFailure): void;
}

/** Why a stream ended early: what its reader should be told (a pulled stream rejects with `error`). */
export interface StreamFailure {
  error: unknown;
}

/** An async iterable whose values can be handed to a listener instead, as they come. */
export interface PushStream<T> extends AsyncIterable<T> {
  /**
   * From now on hands every value to `listener` synchronously as it is emitted, those waiting
   * first, at once; tells it when the stream ends (at once if it already has). The stream must
   * not be iterated as well.
   */
  listen(listener: StreamListener<T>): void;
}

/** Whether `stream` can be pushed to (see `PushStream`). */
export function isPushStream<T>(stream: AsyncIterable<T>): stream is PushStream<T> {
  return typeof (stream as Partial<PushStream<T>>).listen === "function";
}
