/**
 * A stream of messages as tRPC tracked events, for `onMessage`. An `async function*` doing the
 * same (`for await (…) yield tracked(…)`) adds a generator and a second promise per message on
 * top of the source's own, for every subscriber of every message; mapping each result of the
 * source's `next()` costs one `then` instead.
 */
import { type TrackedEnvelope, tracked } from "@trpc/server";

/**
 * Iterates `source`, yielding each item as `tracked(item.id, item)`; `return()` (the adapter
 * calls it when the subscription stops) is passed on so the source detaches.
 */
export function trackedById<T extends { id: string }>(source: AsyncIterable<T>): AsyncIterableIterator<TrackedEnvelope<T>> {
  const iterator = source[Symbol.asyncIterator]();
  const track = (result: IteratorResult<T>): IteratorResult<TrackedEnvelope<T>> =>
    result.done === true ? { done: true, value: undefined } : { done: false, value: tracked(result.value.id, result.value) };
  return {
    next: () => iterator.next().then(track),
    return: async () => {
      await iterator.return?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
