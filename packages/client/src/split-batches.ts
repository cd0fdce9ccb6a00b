/**
 * tRPC's WebSocket client sends every call made in the same tick as one frame (a JSON array).
 * The server closes a connection whose frame exceeds 64 KiB (1009), so a burst of long messages
 * — an outbox flushing after a reconnect — would cut the client's own connection; and it runs at
 * most `REQUESTS_PER_FRAME_MAX` requests of a frame, refusing the rest. Each element of a batch
 * is a complete request, so sending a long batch as one frame per request, and a large one in
 * frames of at most that many, means the same.
 */
import { REQUESTS_PER_FRAME_MAX } from "@chat/api/wire-limits";

/** Over this many UTF-16 units a frame may exceed 64 KiB in UTF-8 (3 bytes per unit at most). */
const SPLIT_FROM_UNITS = Math.floor(65_536 / 3);

/** The part of a WebSocket class this wrapper needs. */
// TypeScript requires exactly `any[]` for a class that extends a generic constructor (a mixin).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Sender = new (...args: any[]) => { send(data: never): void };

/** `Base`, with long batches sent one request per frame, and large ones `REQUESTS_PER_FRAME_MAX` per frame. */
export function splittingLargeBatches<T extends Sender>(Base: T): T {
  return class extends Base {
    override send(data: never): void {
      const text: unknown = data;
      if (typeof text !== "string" || !text.startsWith("[")) {
        super.send(data);
        return;
      }
      const requests = JSON.parse(text) as unknown[];
      const perFrame = text.length > SPLIT_FROM_UNITS ? 1 : REQUESTS_PER_FRAME_MAX;
      if (requests.length <= perFrame) {
        super.send(data);
        return;
      }
      for (let from = 0; from < requests.length; from += perFrame) {
        const part = requests.slice(from, from + perFrame);
        super.send(JSON.stringify(perFrame === 1 ? part[0] : part) as never);
      }
    }
  };
}
