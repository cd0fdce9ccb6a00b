/**
 * `history` and `search` as a client calls them: validated inputs, an unknown `before` refused as
 * a bad request, readable without joining, answers capped in bytes, and one read budget for both.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ChatContext, createContextFactory } from "./context.js";
import type { SessionLimits } from "./domain/chat-session.js";
import { ManualClock } from "./domain/clock.js";
import { MemoryBroker } from "./domain/memory-broker.js";
import { messageBytes } from "./domain/message-size.js";
import { READ_MAX_BYTES } from "./schema.js";
import { clientErrorOf, localClient } from "./testing/local-client.js";

describe("appRouter history and search, called through a tRPC client", () => {
  let clock: ManualClock;
  let broker: MemoryBroker;

  /** One connection's client. */
  const connect = (limits: Partial<SessionLimits> = {}) => {
    const context: ChatContext = createContextFactory({
      broker,
      clock,
      sendRate: { burst: 10_000, perSecond: 10_000 },
      onBackgroundError: (error) => {
        throw error;
      },
    })({ limits });
    return localClient(context);
  };

  beforeEach(() => {
    clock = new ManualClock(1_700_000_000_000);
    broker = new MemoryBroker({ clock });
  });
  afterEach(async () => {
    await broker.close();
  });

  it("pages back through a room without joining it, and refuses a page before an unknown id as BAD_REQUEST", async () => {
    const writer = connect();
    await writer.joinRoom.mutate({ roomId: "general", username: "alice" });
    for (let index = 0; index < 5; index++) await writer.sendMessage.mutate({ roomId: "general", text: `m${index}` });
    const reader = connect();

    const newest = await reader.history.query({ roomId: "General", limit: 3 });
    expect(newest.messages.map((message) => message.text)).toEqual(["m2", "m3", "m4"]);
    expect(newest.hasMore).toBe(true);
    const older = await reader.history.query({ roomId: "general", before: newest.messages[0]?.id, limit: 3 });
    expect(older.messages.map((message) => message.text)).toEqual(["alice joined", "m0", "m1"]);
    expect(older.hasMore).toBe(false);

    const unknown = await clientErrorOf(reader.history.query({ roomId: "general", before: "nope" }));
    expect(unknown.data.code).toBe("BAD_REQUEST");
    expect(unknown.message).toBe('There is no message "nope" in general to read history before.');
    for (const limit of [0, 101, 2.5]) expect((await clientErrorOf(reader.history.query({ roomId: "general", limit }))).data.code).toBe("BAD_REQUEST");
  });

  it("searches a room without joining it, newest first, and refuses an empty or overlong query as BAD_REQUEST", async () => {
    const writer = connect();
    await writer.joinRoom.mutate({ roomId: "general", username: "alice" });
    for (const text of ["coffee at ten", "tea", "more Coffee?"]) await writer.sendMessage.mutate({ roomId: "general", text });
    const reader = connect();

    const found = await reader.search.query({ roomId: "general", query: "coffee" });
    expect(found.messages.map((message) => message.text)).toEqual(["more Coffee?", "coffee at ten"]);
    expect((await reader.search.query({ roomId: "general", query: '"NEAR(* AND' })).messages).toEqual([]);
    for (const query of ["", "   ", "x".repeat(201)]) {
      const error = await clientErrorOf(reader.search.query({ roomId: "general", query }));
      expect(error.data.code).toBe("BAD_REQUEST");
    }
  });

  it("holds an answer to READ_MAX_BYTES, keeping the newest and saying hasMore, so paging on loses nothing", async () => {
    const writer = connect();
    await writer.joinRoom.mutate({ roomId: "big", username: "alice" });
    const long = "😀".repeat(1990);
    for (let index = 0; index < 40; index++) await writer.sendMessage.mutate({ roomId: "big", text: `${index} ${long}` });

    const page = await writer.history.query({ roomId: "big", limit: 100 });
    expect(page.hasMore).toBe(true);
    expect(page.messages.length).toBeLessThan(40);
    expect(page.messages.at(-1)?.text.startsWith("39 ")).toBe(true);
    const bytes = page.messages.reduce((sum, message) => sum + messageBytes(message), 0);
    expect(bytes).toBeLessThanOrEqual(READ_MAX_BYTES);
    const found = await writer.search.query({ roomId: "big", query: "😀 39", limit: 50 });
    expect(found.messages.map((message) => message.text.split(" ")[0])).toEqual(["39"]);
  });

  it("shares one read budget between history and search: past it, TOO_MANY_REQUESTS with retryAfterMs", async () => {
    const reader = connect({ readRate: { burst: 2, perSecond: 0.5 } });
    await reader.history.query({ roomId: "general" });
    await reader.search.query({ roomId: "general", query: "x" });
    const error = await clientErrorOf(reader.history.query({ roomId: "general" }));
    expect(error.data.code).toBe("TOO_MANY_REQUESTS");
    expect(error.data.retryAfterMs).toBe(2000);
    expect(error.message).toBe("You are reading history too fast; try again in 2.0 s.");
    clock.advance(2000);
    expect((await reader.search.query({ roomId: "general", query: "x" })).messages).toEqual([]);
  });
});
