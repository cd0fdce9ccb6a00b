import { describe, expect, it } from "vitest";
import { spawnNode } from "../fixtures/child-process.js";
import { collectMessages, collectPresence, messagesIn, presentNames, texts, uniqueRoomId, waitFor } from "../fixtures/helpers.js";
import { startTestServer } from "../fixtures/test-server.js";

describe("the echo-bot example", () => {
  it("answers a person's message with echo: <text>, and leaves on SIGTERM", async () => {
    const app = await startTestServer();
    const roomId = uniqueRoomId("echo");
    const alice = app.client();
    const presence = collectPresence(alice, roomId);
    const messages = collectMessages(alice, roomId);
    await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });
    await alice.trpc.sendMessage.mutate({ roomId, text: "said before the bot came" });

    const bot = spawnNode(["--import", "tsx", "packages/client/examples/echo-bot.ts"], {
      CHAT_URL: app.wsUrl,
      ROOM: roomId.toUpperCase(),
    });
    await waitFor(() => presentNames(presence.events).includes("echo-bot"), "echo-bot to be present", 20_000);
    await alice.trpc.sendMessage.mutate({ roomId, text: "ping" });
    await waitFor(() => texts(messages.events).includes("echo: ping"), "the echo of ping");
    await alice.trpc.sendMessage.mutate({ roomId, text: "pong" });
    await waitFor(() => texts(messages.events).includes("echo: pong"), "the echo of pong");

    const echoes = messagesIn(messages.events).filter((message) => message.username === "echo-bot");
    expect(echoes).toMatchObject([
      { kind: "system", text: "echo-bot joined" },
      { kind: "user", text: "echo: ping", roomId },
      { kind: "user", text: "echo: pong", roomId },
    ]);

    bot.child.kill("SIGTERM");

    await waitFor(() => !presentNames(presence.events).includes("echo-bot"), "echo-bot to leave");
    expect(presence.events.at(-1)).toEqual({ type: "leave", roomId, username: "echo-bot" });
    expect(await bot.exited).toEqual({ code: 0, signal: null });
    expect(bot.stderr).toBe("");
  });
});
