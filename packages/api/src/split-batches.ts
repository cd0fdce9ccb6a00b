/**
 * tRPC's WebSocket client sends every call made in the same tick as one frame (a JSON array).
 * The server closes a connection whose frame exceeds 64 KiB (1009), so a burst of long messages
 * — an outbox flushing after a reconnect — would cut the client's own connection. Each element
 * of such a batch is a complete request, so sending them as separate frames means the same.
 */

/** Over this many UTF-16 units a frame may exceed 64 KiB in UTF-8 (3 bytes per unit at most). */
const SPLIT_FROM_UNITS = Math.floor(65_536 / 3);

/** The part of a WebSocket class this wrapper needs. */
// TypeScript requires exactly `any[]` for a class that extends a generic constructor (a mixin).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Sender = new (...args: any[]) => { send(data: never): void };

/** `Base`, with large batches sent as one frame per request. */
export function splittingLargeBatches<T extends Sender>(Base: T): T {
  return class extends Base {
    override send(data: never): void {
      const text: unknown = data;
      if (typeof text === "string" && text.length > SPLIT_FROM_UNITS && text.startsWith("[")) {
        for (const request of JSON.parse(text) as unknown[]) super.send(JSON.stringify(request) as never);
        return;
      }
      super.send(data);
    }
  };
}
