/**
 * A bot in ~20 lines: joins a room as "echo-bot" and answers every person's message with
 * `echo: <text>`. Run it against a running server:
 *
 *   CHAT_URL=ws://127.0.0.1:3000/trpc ROOM=general node --import tsx packages/client/examples/echo-bot.ts
 */
import { createChatClient } from "@chat/client";
import WebSocket from "ws";

const url = process.env.CHAT_URL ?? "ws://127.0.0.1:3000/trpc";
const room = process.env.ROOM ?? "general";
const name = "echo-bot";

// Node 20 has no global WebSocket, so the bot brings `ws`'s.
const client = createChatClient({ url, WebSocket });
const { roomId, history } = await client.trpc.joinRoom.mutate({ roomId: room, username: name });

// Start after the last message we were shown, so nothing earlier is answered again.
const subscription = client.trpc.onMessage.subscribe(
  { roomId, lastEventId: history.at(-1)?.id ?? null },
  {
    onData: ({ data: message }) => {
      if (message.kind !== "user" || message.username === name) return;
      client.trpc.sendMessage
        .mutate({ roomId, text: `echo: ${message.text}` })
        .catch((error: unknown) => console.error(`echo-bot could not reply: ${String(error)}`));
    },
    onError: (error) => console.error(`echo-bot stopped reading: ${error.message}`),
  },
);
console.log(`echo-bot is in ${roomId} at ${url}`);

const stop = (): void => {
  subscription.unsubscribe();
  // Closing the socket ends our presence; with nothing left to do, Node exits by itself.
  void client.close();
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
