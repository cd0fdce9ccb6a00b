/**
 * A broker's streams as the router hands them to the transport: `onMessage`'s items as tRPC
 * tracked events, and a failed stream's error as the tRPC error its reader is owed. An
 * `async function*` doing the same (`for await (…) yield tracked(…)`) adds a generator and a
 * second promise per message on top of the source's own, for every subscriber of every message;
 * mapping each result of the source's `next()` costs one `then` instead, and a source that can
 * push is pushed through. Classes rather than closures: there is one of these per subscriber.
 */
import { type TrackedEnvelope, tracked } from "@trpc/server";
import { isPushStream, type PushStream, type StreamFailure, type StreamListener } from "@chat/trpc-ws/push-stream";

/** A stream's items and failure as another's; what `mapStream` returns. */
export type MappedStream<T> = AsyncIterableIterator<T> & Partial<PushStream<T>>;

/**
 * Iterates `source`, yielding each item as `tracked(item.id, item)` and failing with
 * `mapError(error)` where it fails; `return()` (the transport calls it when the subscription
 * stops) is passed on so the source detaches. When `source` is a `PushStream`, so is the result.
 */
export function trackedById<T extends { id: string }>(source: AsyncIterable<T>, mapError: (error: unknown) => unknown): MappedStream<TrackedEnvelope<T>> {
  return mapStream(source, trackedOnce, mapError);
}

/** `source` with its failure mapped by `mapError`, its items as they are. */
export function mapErrors<T>(source: AsyncIterable<T>, mapError: (error: unknown) => unknown): MappedStream<T> {
  return mapStream(source, same, mapError);
}

function mapStream<S, T>(source: AsyncIterable<S>, mapValue: (item: S) => T, mapError: (error: unknown) => unknown): MappedStream<T> {
  return isPushStream(source) ? new PushedMappedStream(source, mapValue, mapError) : new PulledMappedStream(source, mapValue, mapError);
}

class PulledMappedStream<S, T> implements AsyncIterableIterator<T> {
  private readonly iterator: AsyncIterator<S>;

  constructor(
    source: AsyncIterable<S>,
    protected readonly mapValue: (item: S) => T,
    protected readonly mapError: (error: unknown) => unknown,
  ) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  next(): Promise<IteratorResult<T>> {
    return this.iterator.next().then(
      (result) => (result.done === true ? { done: true, value: undefined } : { done: false, value: this.mapValue(result.value) }),
      (error: unknown) => Promise.reject(this.mapError(error)),
    );
  }

  async return(): Promise<IteratorResult<T>> {
    await this.iterator.return?.();
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

class PushedMappedStream<S, T> extends PulledMappedStream<S, T> implements PushStream<T> {
  constructor(
    private readonly source: PushStream<S>,
    mapValue: (item: S) => T,
    mapError: (error: unknown) => unknown,
  ) {
    super(source, mapValue, mapError);
  }

  listen(listener: StreamListener<T>): void {
    this.source.listen(new Mapping(listener, this.mapValue, this.mapError));
  }
}

/** Passes each item on to `target` mapped, and a failure with its error mapped. */
class Mapping<S, T> implements StreamListener<S> {
  constructor(
    private readonly target: StreamListener<T>,
    private readonly mapValue: (item: S) => T,
    private readonly mapError: (error: unknown) => unknown,
  ) {}

  onValue(item: S): void {
    this.target.onValue(this.mapValue(item));
  }

  onEnd(failure?: StreamFailure): void {
    this.target.onEnd(failure === undefined ? undefined : { error: this.mapError(failure.error) });
  }
}

function same<T>(item: T): T {
  return item;
}

/**
 * The envelope of the item tracked last, pushed or pulled. A broker hands every subscriber of a
 * room the same item, one after another, so all but the first share its envelope. Only a frozen
 * item's (as the queues hand out): one that could still change might carry another id by now.
 */
let lastTracked: TrackedEnvelope<{ id: string }> | null = null;

function trackedOnce<T extends { id: string }>(item: T): TrackedEnvelope<T> {
  if (lastTracked?.[1] !== item || !Object.isFrozen(item)) lastTracked = tracked(item.id, item);
  // The envelope holds `item` itself, so its type is `item`'s.
  return lastTracked as TrackedEnvelope<T>;
}
