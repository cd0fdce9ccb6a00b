/**
 * The frames of subscription events, made once per event rather than once per subscriber. A room's
 * event goes to every subscriber of the room, and only the small envelope naming the subscription
 * differs between their frames; clients that made their requests in the same order (every copy of
 * the app does) even share the envelope, and so the whole frame.
 */
import { isTrackedEnvelope, type TRPCCombinedDataTransformer } from "@trpc/server";

/** Never an event, so the first call always makes its frame. */
const NOTHING = Symbol("nothing");

/**
 * Returns `frame(envelope, value)`: the UTF-8 bytes of the response carrying `value` to the
 * subscription whose envelope (`{"id":…,"result":`) is given, ready to send as a text frame. A
 * tracked envelope carries its id, as `@trpc/client` expects to resume from it.
 *
 * It remembers the last event: a broker hands every subscriber of a room the same event object,
 * one after another within one call, so all but the first reuse its text, and those with an
 * envelope seen before reuse the bytes. Events must therefore not change once emitted, which the
 * brokers' never do; the bytes must not be changed either, which `ws` never does to a frame it
 * sends unmasked, as a server's are.
 */
export function createEventFrames(transformer: TRPCCombinedDataTransformer): (envelope: string, value: unknown) => Buffer {
  let lastData: unknown = NOTHING;
  let lastId: unknown;
  let tail = "";
  const frames = new Map<string, Buffer>();
  return (envelope, value) => {
    const tracked = isTrackedEnvelope(value);
    const id = tracked ? value[0] : undefined;
    const data: unknown = tracked ? value[1] : value;
    if (data !== lastData || id !== lastId) {
      tail = tracked
        ? `{"type":"data","id":${JSON.stringify(id)},"data":${JSON.stringify(transformer.output.serialize({ id, data }))}}}`
        : `{"type":"data","data":${JSON.stringify(transformer.output.serialize(data))}}}`;
      lastData = data;
      lastId = id;
      frames.clear();
    }
    let frame = frames.get(envelope);
    if (frame === undefined) {
      frame = Buffer.from(envelope + tail);
      frames.set(envelope, frame);
    }
    return frame;
  };
}
