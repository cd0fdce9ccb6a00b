/**
 * tRPC's ws adapter encodes every response with one `JSON.stringify`, so a message broadcast to a
 * room of 500 is turned into JSON 500 times, although only the envelope (the subscription's id)
 * differs between subscribers. This encoder writes the event's payload once and splices that
 * text into each subscriber's small envelope. It pairs with `@chat/api`'s transformer, which
 * hands every subscriber of an event the same serialised object: that object is the key here.
 */
import { type Encoder, jsonEncoder } from "@trpc/server/adapters/ws";

/**
 * Returns a ws adapter encoder whose output is exactly `JSON.stringify(message)` (so
 * `@trpc/client` decodes it as ever), that reuses the payload text of a tracked subscription event
 * for every response carrying the same payload object. A payload must therefore not change once
 * sent, which holds for transformer output: it is built afresh, or reused as it is, never edited.
 */
export function createEventEncoder(): Encoder {
  // Weak: a payload's text is dropped with the payload, once the last subscriber is served.
  const texts = new WeakMap<object, string>();
  const textOf = (payload: object): string => {
    let text = texts.get(payload);
    if (text === undefined) {
      text = JSON.stringify(payload);
      texts.set(payload, text);
    }
    return text;
  };
  return {
    encode(message: unknown): string {
      const result = trackedEventResult(message);
      if (result === undefined) return JSON.stringify(message);
      return stringifyWith(message as object, "result", stringifyWith(result, "data", textOf(result.data)));
    },
    decode: jsonEncoder.decode,
  };
}

/** The `result` of a tracked event: the only responses whose payload goes to many subscribers. */
interface TrackedEventResult {
  type: "data";
  id: string;
  data: object;
}

/** `message.result` when `message` is a tracked subscription event (`{ id, result: { type: "data", data, id } }`). */
function trackedEventResult(message: unknown): TrackedEventResult | undefined {
  if (typeof message !== "object" || message === null || !("result" in message)) return undefined;
  const { result } = message;
  return isTrackedEventResult(result) ? result : undefined;
}

function isTrackedEventResult(result: unknown): result is TrackedEventResult {
  if (typeof result !== "object" || result === null) return false;
  const { type, id, data } = result as { type?: unknown; id?: unknown; data?: unknown };
  return type === "data" && typeof id === "string" && typeof data === "object" && data !== null;
}

/**
 * `JSON.stringify(object)` of a plain object, except that property `key` is written as `text`,
 * which is already JSON. The other properties go through `JSON.stringify` one by one, in the
 * object's own order and with its rules (an `undefined` value is left out), so the result is the
 * same text that `JSON.stringify` would have produced.
 */
function stringifyWith(object: object, key: string, text: string): string {
  const record = object as Record<string, unknown>;
  let json = "";
  // `for…in` rather than `Object.entries`: no array per call. The adapter's responses are object
  // literals, whose only enumerable keys are their own, so both visit the same keys in the same order.
  for (const name in record) {
    const valueJson: string | undefined = name === key ? text : JSON.stringify(record[name]);
    if (valueJson === undefined) continue;
    json += `${json === "" ? "{" : ","}${JSON.stringify(name)}:${valueJson}`;
  }
  return json === "" ? "{}" : `${json}}`;
}
