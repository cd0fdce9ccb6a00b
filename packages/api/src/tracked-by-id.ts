/**
 * A stream of messages as tRPC tracked events, for `onMessage`. An `async function*` doing the
 * same (`for await (…) yield tracked(…)`) adds a generator and a second promise per message on
 * top of the source's own, for every subscriber of every message; mapping each result of the
 * source's `next()` costs one `then` instead, and a source that can push is pushed through.
 * Classes rather than closures: there is one of these per subscriber.
 */
import { type TrackedEnvelope, tracked } from "@trpc/server";
import { isPushStream, type PushStream, type StreamListener } from "./domain/push-stream.js";

/**
 * Iterates `source`, yielding each item as `tracked(item.id, item)`; `return()` (the transport
 * calls it when the subscription stops) is passed on so the source detaches. When `source` is a
 * `PushStream`, so is the result.
 */
export function trackedById<T extends { id: string }>(
  source: AsyncIterable<T>,
): AsyncIterableIterator<TrackedEnvelope<T>> & Partial<PushStream<TrackedEnvelope<T>>> {
  return isPushStream(source) ? new PushedTrackedStream(source) : new TrackedStream(source);
}

class TrackedStream<T extends { id: string }> implements AsyncIterableIterator<TrackedEnvelope<T>> {
  private readonly iterator: AsyncIterator<T>;

  constructor(source: AsyncIterable<T>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  next(): Promise<IteratorResult<TrackedEnvelope<T>>> {
    return this.iterator.next().then(track);
  }

  async return(): Promise<IteratorResult<TrackedEnvelope<T>>> {
    await this.iterator.return?.();
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

class PushedTrackedStream<T extends { id: string }> extends TrackedStream<T> implements PushStream<TrackedEnvelope<T>> {
  constructor(private readonly source: PushStream<T>) {
    super(source);
  }

  listen(listener: StreamListener<TrackedEnvelope<T>>): void {
    this.source.listen(new Tracking(listener));
  }
}

/** Passes each item on to `target` as a tracked envelope. */
class Tracking<T extends { id: string }> implements StreamListener<T> {
  constructor(private readonly target: StreamListener<TrackedEnvelope<T>>) {}

  onValue(item: T): void {
    this.target.onValue(trackedOnce(item));
  }

  onEnd(): void {
    this.target.onEnd();
  }
}

/**
 * The envelope of the item tracked last, pushed or pulled. A broker hands every subscriber of a
 * room the same item, one after another, so all but the first share its envelope, which nobody
 * changes.
 */
let lastTracked: TrackedEnvelope<{ id: string }> | null = null;

function trackedOnce<T extends { id: string }>(item: T): TrackedEnvelope<T> {
  if (lastTracked?.[1] !== item) lastTracked = tracked(item.id, item);
  // The envelope holds `item` itself, so its type is `item`'s.
  return lastTracked as TrackedEnvelope<T>;
}

function track<T extends { id: string }>(result: IteratorResult<T>): IteratorResult<TrackedEnvelope<T>> {
  return result.done === true ? { done: true, value: undefined } : { done: false, value: trackedOnce(result.value) };
}
