/**
 * The baseline's client: the raw ws server's JSON frames (see servers/raw-ws-server.ts).
 */
import WebSocket from "ws";
import { type BenchClient, type ClientEvents, watchLiveness } from "./client.js";

const MESSAGE_PREFIX = '{"t":"message"';

/** Opens a raw ws client that joins `roomId`. */
export function openRawWsClient(url: string, roomId: string, username: string, events: ClientEvents): BenchClient {
  const socket = new WebSocket(url);
  const { live, markLive, failLive } = watchLiveness(socket, events);

  socket.on("open", () => socket.send(JSON.stringify({ t: "join", roomId, username })));
  socket.on("message", (data) => {
    const frame = String(data);
    if (frame.startsWith(MESSAGE_PREFIX)) return events.onDelivery(frame);
    if (frame.startsWith('{"t":"joined"')) return markLive();
    if (frame.startsWith('{"t":"error"')) {
      events.onError(frame);
      failLive(new Error(frame));
    }
  });

  return {
    live,
    send(text) {
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ t: "send", roomId, text }));
    },
    close() {
      socket.terminate();
    },
  };
}
