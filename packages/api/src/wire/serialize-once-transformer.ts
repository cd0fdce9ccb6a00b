/**
 * superjson, with each subscription event serialised once per event instead of once per
 * subscriber. tRPC's ws adapter runs the output transformer for every response it sends; for a
 * tracked event it first wraps the yielded value as `{ id, data }`, a fresh object per subscriber,
 * while `data` is the very object the broker handed to every reader of the room. Keying the
 * serialisation on that object (and checking the id) lets all but the first subscriber reuse it.
 */
import type { CombinedDataTransformer } from "@trpc/server";
import superjson from "superjson";

/** What superjson's `serialize` returns: the JSON-safe tree and, when needed, its type annotations. */
type Serialized = ReturnType<typeof superjson.serialize>;

/** One event's serialisation, and the id it was made with. */
interface Memo {
  id: unknown;
  serialized: Serialized;
}

/**
 * Returns superjson as a tRPC transformer whose `output.serialize` returns the same serialised
 * object for every tracked envelope `{ id, data }` with the same `data` object and `id`. The
 * objects a subscription yields must therefore not change once yielded (the brokers' messages
 * never do). Inputs and everything else go through superjson unchanged.
 */
export function createSerializeOnceTransformer(): CombinedDataTransformer {
  // Weak, so an event's serialisation lives exactly as long as the event itself: no eviction,
  // no lifecycle to manage.
  const memos = new WeakMap<object, Memo>();
  return {
    input: superjson,
    output: {
      serialize(value: unknown): Serialized {
        if (!isTrackedEvent(value)) return superjson.serialize(value);
        const memo = memos.get(value.data);
        if (memo !== undefined && memo.id === value.id) return memo.serialized;
        const serialized = superjson.serialize(value);
        memos.set(value.data, { id: value.id, serialized });
        return serialized;
      },
      deserialize: (value: Serialized): unknown => superjson.deserialize(value),
    },
  };
}

/** A tracked event as the ws adapter hands it to the transformer. */
interface TrackedEvent {
  id: unknown;
  data: object;
}

/**
 * Whether `value` has exactly the shape the ws adapter gives a tracked event: a plain
 * `{ id, data }` with an object as `data`. Any other key would be lost by reusing a serialisation
 * made without it, so the shape is checked key by key.
 */
function isTrackedEvent(value: unknown): value is TrackedEvent {
  if (typeof value !== "object" || value === null || Object.getPrototypeOf(value) !== Object.prototype) return false;
  let keys = 0;
  for (const key in value) {
    if (key !== "id" && key !== "data") return false;
    keys++;
  }
  const { data } = value as { data?: unknown };
  return keys === 2 && typeof data === "object" && data !== null;
}
