/**
 * A stream of messages as tRPC tracked events, for `onMessage`. An `async function*` doing the
 * same (`for await (…) yield tracked(…)`) adds a generator and a second promise per message on
 * top of the source's own, for every subscriber of every message; mapping each result of the
 * source's `next()` costs one `then` instead, and a source that can push is pushed through.
 */
import { type TrackedEnvelope, tracked } from "@trpc/server";
import { isPushStream, type PushStream } from "./domain/push-stream.js";

/**
 * Iterates `source`, yielding each item as `tracked(item.id, item)`; `return()` (the transport
 * calls it when the subscription stops) is passed on so the source detaches. When `source` is a
 * `PushStream`, so is the result.
 */
export function trackedById<T extends { id: string }>(
  source: AsyncIterable<T>,
): AsyncIterableIterator<TrackedEnvelope<T>> & Partial<PushStream<TrackedEnvelope<T>>> {
  const iterator = source[Symbol.asyncIterator]();
  const track = (result: IteratorResult<T>): IteratorResult<TrackedEnvelope<T>> =>
    result.done === true ? { done: true, value: undefined } : { done: false, value: tracked(result.value.id, result.value) };
  const stream: AsyncIterableIterator<TrackedEnvelope<T>> = {
    next: () => iterator.next().then(track),
    return: async () => {
      await iterator.return?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  if (!isPushStream(source)) return stream;
  return Object.assign(stream, {
    listen: (sink: (value: TrackedEnvelope<T>) => void, onEnd: () => void) => source.listen((item) => sink(tracked(item.id, item)), onEnd),
  });
}
