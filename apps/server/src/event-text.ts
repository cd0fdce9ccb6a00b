/**
 * The text of a subscription event, made once per event rather than once per subscriber. A room's
 * event goes to every subscriber of the room, and only the small envelope naming the subscription
 * differs between their frames; the rest (the serialised payload and its JSON) is the same for all.
 */
import { isTrackedEnvelope, type TRPCCombinedDataTransformer } from "@trpc/server";

/** Never an event, so the first call always makes its text. */
const NOTHING = Symbol("nothing");

/**
 * Returns `text(value)`: what follows a subscription's envelope (`{"id":…,"result":`) in the
 * response carrying `value`, that is its `result`, `{"type":"data",…}`, and the closing brace. A
 * tracked envelope carries its id, as `@trpc/client` expects to resume from it.
 *
 * It remembers the last event: a broker hands every subscriber of a room the same event object,
 * one after another within one call, so all but the first reuse the text. Events must therefore
 * not change once emitted, which the brokers' never do.
 */
export function createEventText(transformer: TRPCCombinedDataTransformer): (value: unknown) => string {
  let lastData: unknown = NOTHING;
  let lastId: unknown;
  let lastText = "";
  return (value) => {
    const tracked = isTrackedEnvelope(value);
    const id = tracked ? value[0] : undefined;
    const data: unknown = tracked ? value[1] : value;
    if (data === lastData && id === lastId) return lastText;
    lastText = tracked
      ? `{"type":"data","id":${JSON.stringify(id)},"data":${JSON.stringify(transformer.output.serialize({ id, data }))}}}`
      : `{"type":"data","data":${JSON.stringify(transformer.output.serialize(data))}}}`;
    lastData = data;
    lastId = id;
    return lastText;
  };
}
