/**
 * The frames of subscription events, made once per event rather than once per subscriber. A room's
 * event goes to every subscriber of the room, and only the small envelope naming the subscription
 * differs between their frames; clients that made their requests in the same order (every copy of
 * an app does) even share the envelope, and so the whole frame.
 */
import { isTrackedEnvelope, type TRPCCombinedDataTransformer } from "@trpc/server";

/** Never an event, so the first shareable event always makes its frame. */
const NOTHING = Symbol("nothing");

/**
 * Returns `frame(envelope, value)`: the UTF-8 bytes of the response carrying `value` to the
 * subscription whose envelope (`{"id":…,"result":`) is given, as tRPC's adapter would write it
 * (`transformTRPCResponse` and `JSON.stringify`), ready to send as a text frame. A tracked
 * envelope carries its id, as `@trpc/client` expects to resume from it.
 *
 * Only an event that cannot change is shared: a primitive, or an object its producer froze
 * (`Object.freeze`, all the way down; the brokers freeze their messages). For those, it
 * remembers the last event until the end of the turn: a broker hands every subscriber of a room the same event, one after
 * another within one call, so all but the first reuse its text, and those with an envelope seen
 * before reuse the bytes. Any other value is serialised for each frame, so an object changed and
 * yielded again is sent as it is now, never as it was. The bytes must not be changed either,
 * which `ws` never does to a frame it sends unmasked, as a server's are.
 */
export function createEventFrames(transformer: TRPCCombinedDataTransformer): (envelope: string, value: unknown) => Buffer {
  let lastData: unknown = NOTHING;
  let lastId: unknown;
  let tail = "";
  const frames = new Map<string, Buffer>();
  // A fan-out happens within one turn: the event is forgotten at its end, so that nothing sent
  // stays reachable from here once every reader has it.
  let forgetting = false;
  const forget = (): void => {
    forgetting = false;
    lastData = NOTHING;
    lastId = undefined;
    frames.clear();
  };
  const tailOf = (tracked: boolean, id: unknown, data: unknown): string => {
    const json = JSON.stringify(transformer.output.serialize(tracked ? { id, data } : data));
    // `JSON.stringify` leaves out a key whose value is `undefined`: so does tRPC's adapter.
    const dataField = json === undefined ? "" : `,"data":${json}`;
    return tracked ? `{"type":"data","id":${JSON.stringify(id)}${dataField}}}` : `{"type":"data"${dataField}}}`;
  };
  return (envelope, value) => {
    const tracked = isTrackedEnvelope(value);
    const id = tracked ? value[0] : undefined;
    const data: unknown = tracked ? value[1] : value;
    if (!cannotChange(data)) return Buffer.from(envelope + tailOf(tracked, id, data));
    if (data !== lastData || id !== lastId) {
      tail = tailOf(tracked, id, data);
      lastData = data;
      lastId = id;
      frames.clear();
      if (!forgetting) {
        forgetting = true;
        setImmediate(forget);
      }
    }
    let frame = frames.get(envelope);
    if (frame === undefined) {
      frame = Buffer.from(envelope + tail);
      frames.set(envelope, frame);
    }
    return frame;
  };
}

/** Whether `value` is the same the next time it is seen: a primitive, or a frozen object. */
function cannotChange(value: unknown): boolean {
  return (typeof value !== "object" && typeof value !== "function") || value === null || Object.isFrozen(value);
}
