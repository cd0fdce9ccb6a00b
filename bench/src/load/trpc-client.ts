/**
 * Ours: tRPC's WebSocket wire protocol spoken directly on a `ws` socket, as `@trpc/client` with
 * superjson speaks it, through the wire kit of the tests (`@chat/api/wire-kit`): requests
 * `{id, method, params: {path, input: {json}}}`, answers `{id, result: {type, data: {json}}}`.
 * Deliveries are told apart by their prefix and never decoded, so the load generator's cost per
 * delivery stays that of receiving a frame.
 * It joins, then subscribes to `onMessage` (from the last message of the join's history, as the
 * real client does) and `onPresence`, like the web app; it answers the server's `PING`.
 */
import type { JoinResult } from "@chat/api/schema";
import { decodeIncoming, encodeFrame, type WireMethod, wireRequest } from "@chat/api/wire-kit";
import WebSocket from "ws";
import { type BenchClient, type ClientEvents, watchLiveness } from "./client.js";

// Fixed request ids: the subscriptions' frames are told apart by their prefix, without parsing.
const JOIN_ID = 1;
const MESSAGES_ID = 2;
const PRESENCE_ID = 3;
/** Sends count up from here, clear of the fixed ids. */
const FIRST_SEND_ID = 10;
const MESSAGE_DATA_PREFIX = `{"id":${MESSAGES_ID},"result":{"type":"data"`;
const PRESENCE_DATA_PREFIX = `{"id":${PRESENCE_ID},"result":{"type":"data"`;

/** Opens a tRPC client that joins `roomId` and subscribes to its messages and presence. */
export function openTrpcClient(url: string, roomId: string, username: string, events: ClientEvents): BenchClient {
  const socket = new WebSocket(url);
  let nextId = FIRST_SEND_ID;
  let pending = 3;
  const { live, markLive, failLive } = watchLiveness(socket, events);
  const request = (id: number, method: WireMethod, path: string, input: unknown): void => socket.send(encodeFrame(wireRequest(id, method, path, input)));
  const started = (): void => {
    if (--pending === 0) markLive();
  };

  socket.on("open", () => request(JOIN_ID, "mutation", "joinRoom", { roomId, username }));
  socket.on("message", (data) => {
    const frame = String(data);
    if (frame.startsWith(MESSAGE_DATA_PREFIX)) return events.onDelivery(frame);
    if (frame === "PING") return socket.send("PONG");
    // Presence (joins in a storm: one per member per join) is not measured; skip its parsing.
    if (frame.startsWith(PRESENCE_DATA_PREFIX)) return;
    // The rest is rare (setup, presence, replies to sends): parsing it costs little.
    const answer = decodeIncoming(frame);
    if ("error" in answer) {
      events.onError(answer.error.message);
      if (typeof answer.id === "number" && answer.id < FIRST_SEND_ID) failLive(new Error(answer.error.message));
      return;
    }
    if (!("result" in answer)) return;
    if (answer.id === JOIN_ID) {
      const lastEventId = (answer.result.data as JoinResult | undefined)?.history.at(-1)?.id;
      request(MESSAGES_ID, "subscription", "onMessage", lastEventId === undefined ? { roomId } : { roomId, lastEventId });
      request(PRESENCE_ID, "subscription", "onPresence", { roomId });
      started();
    } else if ((answer.id === MESSAGES_ID || answer.id === PRESENCE_ID) && answer.result.type === "started") {
      started();
    }
  });

  return {
    live,
    send(text) {
      if (socket.readyState === WebSocket.OPEN) request(nextId++, "mutation", "sendMessage", { roomId, text });
    },
    close() {
      socket.terminate();
    },
  };
}
