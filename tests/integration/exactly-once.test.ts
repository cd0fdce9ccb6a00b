/**
 * Exactly-once sending over real sockets: `sendMessage` with a `clientMessageId` stores a message
 * once per room and author within `CLIENT_MESSAGE_ID_TTL_MS`, however often it is sent, and on
 * whichever connection the retry comes.
 */
import { ManualClock } from "@chat/api";
import type { ChatClient } from "@chat/client";
import { CLIENT_MESSAGE_ID_TTL_MS } from "@chat/api/schema";
import { describe, expect, it } from "vitest";
import { collectMessages, identityOf, texts, trpcError, uniqueRoomId, waitFor } from "../fixtures/helpers.js";
import { startTestServer, type TestServer } from "../fixtures/test-server.js";

const clientMessageId = "3f2b8c1e-6a4d-4f5e-9b7a-1c2d3e4f5a6b";

/** A new client of `app` that has joined `roomId` as `username`. */
async function member(app: TestServer, roomId: string, username: string): Promise<ChatClient> {
  const client = app.client({ identity: identityOf(username) });
  await client.trpc.joinRoom.mutate({ roomId, username });
  return client;
}

/** The texts of the user messages `app` keeps for `roomId`. */
async function storedTexts(app: TestServer, roomId: string): Promise<string[]> {
  const history = await app.server.broker.history(roomId, 100);
  return history.filter((message) => message.kind === "user").map((message) => message.text);
}

describe("sendMessage with a clientMessageId", () => {
  it("stores a message sent twice with the same id once, returns it both times, and readers see it once", async () => {
    const app = await startTestServer();
    const roomId = uniqueRoomId("once");
    const alice = await member(app, roomId, "alice");
    const reader = app.client();
    const seen = collectMessages(reader, roomId, null);
    await seen.started;

    const first = await alice.trpc.sendMessage.mutate({ roomId, text: "hello", clientMessageId });
    const again = await alice.trpc.sendMessage.mutate({ roomId, text: "hello", clientMessageId });
    await alice.trpc.sendMessage.mutate({ roomId, text: "marker" });
    await waitFor(() => texts(seen.events).includes("marker"), "the marker after the retry");

    expect(again).toEqual(first);
    expect(texts(seen.events)).toEqual(["alice joined", "hello", "marker"]);
    expect(await storedTexts(app, roomId)).toEqual(["hello", "marker"]);
  });

  it("returns the original to a retry on a new connection, as after a lost reply", async () => {
    const app = await startTestServer();
    const roomId = uniqueRoomId("reconnect");
    const before = await member(app, roomId, "alice");
    const first = await before.trpc.sendMessage.mutate({ roomId, text: "hello", clientMessageId });
    await before.close();

    const after = await member(app, roomId, "alice");
    const again = await after.trpc.sendMessage.mutate({ roomId, text: "hello", clientMessageId });

    expect(again).toEqual(first);
    expect(await storedTexts(app, roomId)).toEqual(["hello"]);
  });

  it("stores the same id from another author as a message of their own", async () => {
    const app = await startTestServer();
    const roomId = uniqueRoomId("authors");
    const alice = await member(app, roomId, "alice");
    const mallory = await member(app, roomId, "mallory");

    const fromAlice = await alice.trpc.sendMessage.mutate({ roomId, text: "alice's secret", clientMessageId });
    const fromMallory = await mallory.trpc.sendMessage.mutate({ roomId, text: "guessing", clientMessageId });

    expect(fromMallory.id).not.toBe(fromAlice.id);
    expect(fromMallory).toMatchObject({ username: "mallory", text: "guessing" });
    expect(await storedTexts(app, roomId)).toEqual(["alice's secret", "guessing"]);
  });

  it("stores the message again once CLIENT_MESSAGE_ID_TTL_MS has passed", async () => {
    const clock = new ManualClock();
    const app = await startTestServer({}, { clock });
    const roomId = uniqueRoomId("expiry");
    const alice = await member(app, roomId, "alice");
    const first = await alice.trpc.sendMessage.mutate({ roomId, text: "hello", clientMessageId });

    clock.advance(CLIENT_MESSAGE_ID_TTL_MS - 1);
    const withinWindow = await alice.trpc.sendMessage.mutate({ roomId, text: "hello", clientMessageId });
    clock.advance(1);
    const afterWindow = await alice.trpc.sendMessage.mutate({ roomId, text: "hello", clientMessageId });

    expect(withinWindow).toEqual(first);
    expect(afterWindow.id).not.toBe(first.id);
    expect(await storedTexts(app, roomId)).toEqual(["hello", "hello"]);
  });

  it("answers a retry even when the sender's budget is spent, without spending any of it", async () => {
    const clock = new ManualClock();
    const app = await startTestServer({ SEND_RATE_BURST: "1", SEND_RATE_PER_SEC: "1" }, { clock });
    const roomId = uniqueRoomId("budget");
    const alice = await member(app, roomId, "alice");
    const first = await alice.trpc.sendMessage.mutate({ roomId, text: "hello", clientMessageId });

    const retried = await alice.trpc.sendMessage.mutate({ roomId, text: "hello", clientMessageId });
    const refused = await trpcError(alice.trpc.sendMessage.mutate({ roomId, text: "new", clientMessageId: "another-id" }));
    clock.advance(1000);
    const accepted = await alice.trpc.sendMessage.mutate({ roomId, text: "new", clientMessageId: "another-id" });

    expect(retried).toEqual(first);
    expect(refused.data?.code).toBe("TOO_MANY_REQUESTS");
    expect(accepted.text).toBe("new");
    expect(await storedTexts(app, roomId)).toEqual(["hello", "new"]);
  });

  it.each([
    ["empty", ""],
    ["over 64 characters", "x".repeat(65)],
    ["outside A-Z a-z 0-9 _ -", "id with spaces"],
  ])("refuses a clientMessageId that is %s with BAD_REQUEST", async (_label, badId) => {
    const app = await startTestServer();
    const roomId = uniqueRoomId("badid");
    const alice = await member(app, roomId, "alice");

    const error = await trpcError(alice.trpc.sendMessage.mutate({ roomId, text: "hello", clientMessageId: badId }));

    expect(error.data?.code).toBe("BAD_REQUEST");
    expect(error.message).toMatch(/clientMessageId/);
    expect(await storedTexts(app, roomId)).toEqual([]);
  });
});
