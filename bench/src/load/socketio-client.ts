/**
 * Socket.IO's client side, spoken directly on a `ws` socket so that the bench needs no
 * `socket.io-client` and the client costs the same as the others: Engine.IO v4 over WebSocket
 * (`0{…}` open, `2` ping → `3` pong, `4…` message) carrying Socket.IO v5 packets (`40` connect,
 * `42[event, data]`, `42<ack>[…]` with an ack, `43<ack>[…]` the ack's answer).
 * See https://socket.io/docs/v4/socket-io-protocol/ and https://socket.io/docs/v4/engine-io-protocol/.
 */
import WebSocket from "ws";
import { type BenchClient, type ClientEvents, watchLiveness } from "./client.js";

/** The ack id of the join; sends use the ids after it. */
const JOIN_ACK = 0;
const MESSAGE_EVENT_PREFIX = '42["message",';

/** Opens a Socket.IO client that joins `roomId` (which subscribes it to the room's broadcasts). */
export function openSocketIoClient(url: string, roomId: string, username: string, events: ClientEvents): BenchClient {
  const socket = new WebSocket(url);
  let nextAck = JOIN_ACK + 1;
  const { live, markLive, failLive } = watchLiveness(socket, events);
  const emit = (ack: number, event: string, data: unknown): void => socket.send(`42${ack}${JSON.stringify([event, data])}`);

  socket.on("message", (data) => {
    const frame = String(data);
    if (frame.startsWith(MESSAGE_EVENT_PREFIX)) return events.onDelivery(frame);
    if (frame === "2") return socket.send("3");
    if (frame.startsWith("0{")) return socket.send("40");
    if (frame.startsWith("40")) return emit(JOIN_ACK, "join", { roomId, username });
    if (frame.startsWith("43")) {
      // An ack: `43<id>[answer]`; an answer with `error` is a refusal.
      const bracket = frame.indexOf("[");
      const ack = Number(frame.slice(2, bracket));
      const refused = frame.startsWith('[{"error":', bracket);
      if (refused) events.onError(frame.slice(bracket));
      if (ack === JOIN_ACK) {
        if (refused) failLive(new Error(frame.slice(bracket)));
        else markLive();
      }
      return;
    }
    if (frame.startsWith("44")) {
      events.onError(frame);
      failLive(new Error(`connect refused: ${frame}`));
    }
  });

  return {
    live,
    send(text) {
      if (socket.readyState === WebSocket.OPEN) emit(nextAck++, "send", { roomId, text });
    },
    close() {
      socket.terminate();
    },
  };
}
