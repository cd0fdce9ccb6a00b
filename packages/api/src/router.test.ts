import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createContextFactory } from "./context.js";
import { ManualClock } from "./domain/clock.js";
import { MemoryBroker } from "./domain/memory-broker.js";
import type { ChatEvent, ChatMessage, PresenceEvent } from "./schema.js";
import { clientErrorOf, localClient, record } from "./testing/local-client.js";
import { textOf, textsOf } from "./testing/broker-harness.js";

describe("appRouter, called through a tRPC client", () => {
  let clock: ManualClock;
  let broker: MemoryBroker;

  /** A client whose calls all share one session, like one WebSocket connection. */
  const connect = (): ReturnType<typeof localClient> =>
    localClient(
      createContextFactory({ broker, clock, sendRate: { burst: 2, perSecond: 1 }, onBackgroundError: () => undefined })({}),
    );

  beforeEach(() => {
    clock = new ManualClock(1_700_000_000_000);
    broker = new MemoryBroker({ clock });
  });

  afterEach(async () => {
    await broker.close();
  });

  it("joins a case-folded room under a trimmed name and returns history with Date timestamps", async () => {
    const chat = connect();
    const result = await chat.joinRoom.mutate({ roomId: "General", username: "  alice " });
    expect(result).toMatchObject({ roomId: "general", username: "alice", members: [{ username: "alice" }] });
    expect(result.history).toHaveLength(1);
    expect(result.history[0]).toMatchObject({ kind: "system", username: "alice", text: "alice joined", roomId: "general" });
    expect(result.history[0]?.sentAt).toBeInstanceOf(Date);
    expect(result.history[0]?.sentAt.getTime()).toBe(clock.now());
  });

  it("sends under the joined name and returns the stored message", async () => {
    const chat = connect();
    await chat.joinRoom.mutate({ roomId: "general", username: "alice" });
    const message = await chat.sendMessage.mutate({ roomId: "GENERAL", text: "  hello \n" });
    expect(message).toMatchObject({ kind: "user", username: "alice", text: "hello", roomId: "general" });
    expect(message.sentAt).toBeInstanceOf(Date);
    expect((await broker.history("general", 1))[0]).toEqual(message);
  });

  it("answers a send to a room not joined with FORBIDDEN", async () => {
    const error = await clientErrorOf(connect().sendMessage.mutate({ roomId: "general", text: "hello" }));
    expect(error.data.code).toBe("FORBIDDEN");
    expect(error.data.retryAfterMs).toBeNull();
  });

  it("answers a join under a second name with CONFLICT", async () => {
    const chat = connect();
    await chat.joinRoom.mutate({ roomId: "general", username: "alice" });
    const error = await clientErrorOf(chat.joinRoom.mutate({ roomId: "general", username: "bob" }));
    expect(error.data.code).toBe("CONFLICT");
  });

  it("answers flooding with TOO_MANY_REQUESTS and when to retry", async () => {
    const chat = connect();
    await chat.joinRoom.mutate({ roomId: "general", username: "alice" });
    await chat.sendMessage.mutate({ roomId: "general", text: "1" });
    await chat.sendMessage.mutate({ roomId: "general", text: "2" });
    const error = await clientErrorOf(chat.sendMessage.mutate({ roomId: "general", text: "3" }));
    expect(error.data.code).toBe("TOO_MANY_REQUESTS");
    expect(error.data.retryAfterMs).toBe(1000);
    clock.advance(1000);
    expect((await chat.sendMessage.mutate({ roomId: "general", text: "3" })).text).toBe("3");
  });

  it.each([
    ["an empty text", { roomId: "general", text: "   " }, "text", "Message is empty."],
    ["a text over 2,000 characters", { roomId: "general", text: "x".repeat(2001) }, "text", "Message must be at most 2000 characters."],
    ["a room id with a space", { roomId: "my room", text: "hi" }, "roomId", "Room name may use only letters, digits, _ and -."],
  ])("answers %s with BAD_REQUEST, a readable message and the field's error", async (_label, input, field, sentence) => {
    const chat = connect();
    await chat.joinRoom.mutate({ roomId: "general", username: "alice" });
    const error = await clientErrorOf(chat.sendMessage.mutate(input));
    expect(error.data.code).toBe("BAD_REQUEST");
    expect(error.message).toBe(sentence);
    expect(error.data.zodError?.fieldErrors[field]).toEqual([sentence]);
    expect(await broker.history("general", 10)).toHaveLength(1);
  });

  it("answers a username with a control character with BAD_REQUEST", async () => {
    const error = await clientErrorOf(connect().joinRoom.mutate({ roomId: "general", username: "ali\u001bce" }));
    expect(error.data.code).toBe("BAD_REQUEST");
    expect(await broker.members("general")).toEqual([]);
  });

  it("leaves a room, returning its folded id, after which sends are refused", async () => {
    const chat = connect();
    await chat.joinRoom.mutate({ roomId: "general", username: "alice" });
    expect(await chat.leaveRoom.mutate({ roomId: "General" })).toEqual({ roomId: "general" });
    expect((await broker.history("general", 1))[0]?.text).toBe("alice left");
    expect((await clientErrorOf(chat.sendMessage.mutate({ roomId: "general", text: "hi" }))).data.code).toBe("FORBIDDEN");
  });

  it("lists rooms with their member counts, busiest first", async () => {
    const alice = connect();
    const bob = connect();
    await alice.joinRoom.mutate({ roomId: "small", username: "alice" });
    await alice.joinRoom.mutate({ roomId: "big", username: "alice" });
    await bob.joinRoom.mutate({ roomId: "big", username: "bob" });
    expect(await bob.listRooms.query()).toEqual({
      rooms: [
        { roomId: "big", members: 2 },
        { roomId: "small", members: 1 },
      ],
      nextCursor: null,
    });
  });

  it("streams every message of a room to a reader that has not joined, tracked by its id", async () => {
    const alice = connect();
    const reader = connect();
    await alice.joinRoom.mutate({ roomId: "general", username: "alice" });
    const stream = record<{ id: string; data: ChatEvent }>((handlers) =>
      reader.onMessage.subscribe({ roomId: "General" }, handlers),
    );
    await alice.sendMessage.mutate({ roomId: "general", text: "hello" });
    await alice.leaveRoom.mutate({ roomId: "general" });
    await expect.poll(() => stream.events.length).toBe(3);
    stream.unsubscribe();
    const seen = stream.events;
    expect(stream.errors).toEqual([]);
    expect(seen.map((event) => textOf(event.data))).toEqual(["alice joined", "hello", "alice left"]);
    for (const event of seen) {
      expect(event.id).toBe(event.data.id);
      expect(event.data.sentAt).toBeInstanceOf(Date);
    }
  });

  it("resumes a message stream after its lastEventId, with no gap and no duplicate", async () => {
    const alice = connect();
    await alice.joinRoom.mutate({ roomId: "general", username: "alice" });
    const sent: ChatMessage[] = [];
    for (const text of ["1", "2"]) {
      clock.advance(1000);
      sent.push(await alice.sendMessage.mutate({ roomId: "general", text }));
    }
    const stream = record<{ id: string; data: ChatEvent }>((handlers) =>
      connect().onMessage.subscribe({ roomId: "general", lastEventId: sent[0]?.id ?? null }, handlers),
    );
    clock.advance(1000);
    await alice.sendMessage.mutate({ roomId: "general", text: "3" });
    clock.advance(1000);
    await alice.sendMessage.mutate({ roomId: "general", text: "end" });
    await expect.poll(() => textsOf(stream.events.map((event) => event.data)).at(-1)).toBe("end");
    stream.unsubscribe();
    expect(stream.events.map((event) => textOf(event.data))).toEqual(["2", "3", "end"]);
  });

  it("streams a presence snapshot, then joins and leaves", async () => {
    const alice = connect();
    const bob = connect();
    await alice.joinRoom.mutate({ roomId: "general", username: "alice" });
    const stream = record<PresenceEvent>((handlers) =>
      connect().onPresence.subscribe({ roomId: "general" }, handlers),
    );
    // The subscription opens asynchronously: act once its snapshot is in.
    await expect.poll(() => stream.events.length).toBe(1);
    await bob.joinRoom.mutate({ roomId: "general", username: "bob" });
    await alice.leaveRoom.mutate({ roomId: "general" });
    await expect.poll(() => stream.events.length).toBe(3);
    stream.unsubscribe();
    expect(stream.events).toEqual([
      { type: "snapshot", roomId: "general", members: [{ username: "alice" }] },
      { type: "join", roomId: "general", username: "bob" },
      { type: "leave", roomId: "general", username: "alice" },
    ]);
  });

  it("carries sendTyping to another connection's presence stream under the joined name", async () => {
    const alice = connect();
    await alice.joinRoom.mutate({ roomId: "general", username: "alice" });
    const stream = record<PresenceEvent>((handlers) =>
      connect().onPresence.subscribe({ roomId: "general" }, handlers),
    );
    await expect.poll(() => stream.events.length).toBe(1);
    // The name comes from the join alone: an extra input field is stripped, never used.
    const input = { roomId: "General", username: "mallory" };
    expect(await alice.sendTyping.mutate(input)).toEqual({ roomId: "general" });
    await expect.poll(() => stream.events.length).toBe(2);
    stream.unsubscribe();
    expect(stream.errors).toEqual([]);
    expect(stream.events[1]).toEqual({ type: "typing", roomId: "general", username: "alice" });
  });

  it("answers sendTyping in a room not joined with FORBIDDEN", async () => {
    const error = await clientErrorOf(connect().sendTyping.mutate({ roomId: "general" }));
    expect(error.data.code).toBe("FORBIDDEN");
    expect(error.message).toBe("Join general before typing in it.");
  });

  it("answers sendTyping with a bad room id with BAD_REQUEST and the field's error", async () => {
    const chat = connect();
    await chat.joinRoom.mutate({ roomId: "general", username: "alice" });
    const error = await clientErrorOf(chat.sendTyping.mutate({ roomId: "my room" }));
    expect(error.data.code).toBe("BAD_REQUEST");
    expect(error.data.zodError?.fieldErrors.roomId).toEqual(["Room name may use only letters, digits, _ and -."]);
  });

  it("closes the broker stream when the client unsubscribes", async () => {
    const reader = connect();
    const subscription = reader.onMessage.subscribe({ roomId: "general" }, { onData: () => undefined });
    await expect.poll(() => broker.stats().streams).toBe(1);
    subscription.unsubscribe();
    await expect.poll(() => broker.stats().streams).toBe(0);
  });
});
