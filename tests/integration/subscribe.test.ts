import { describe, expect, it } from "vitest";
import { GAP_NOTICE_TEXT } from "@chat/api";
import { collectMessages, collectPresence, identityOf, presentNames, texts, uniqueRoomId, waitFor } from "../fixtures/helpers.js";
import { startTestServer } from "../fixtures/test-server.js";

describe("onMessage", () => {
  it("does not require joining and yields every message, system ones included, tracked by id", async () => {
    const app = await startTestServer();
    const alice = app.client();
    const reader = app.client();
    const roomId = uniqueRoomId("read");
    const seen = collectMessages(reader, roomId);
    await seen.started;

    await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });
    await alice.trpc.sendMessage.mutate({ roomId, text: "one" });
    await alice.trpc.sendMessage.mutate({ roomId, text: "two" });
    await alice.trpc.leaveRoom.mutate({ roomId });

    await waitFor(() => seen.events.length >= 4, "four messages");
    expect(texts(seen.events)).toEqual(["alice joined", "one", "two", "alice left"]);
    expect(seen.events.map((event) => event.data.kind)).toEqual(["system", "user", "user", "system"]);
    for (const event of seen.events) expect(event.id).toBe(event.data.id);
    expect(new Set(seen.events.map((event) => event.id)).size).toBe(4);
    expect(seen.errors).toEqual([]);
  });

  it("with the lastEventId of the k-th message yields exactly the ones after it, in order, then live ones", async () => {
    const app = await startTestServer();
    const alice = app.client();
    const roomId = uniqueRoomId("resume");
    await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });
    const sent = [];
    for (let index = 1; index <= 10; index++) sent.push(await alice.trpc.sendMessage.mutate({ roomId, text: `m${index}` }));
    const kth = sent[3];
    if (!kth) throw new Error("no 4th message");

    const seen = collectMessages(app.client(), roomId, kth.id);
    await waitFor(() => seen.events.length >= 6, "the six messages after m4");
    await alice.trpc.sendMessage.mutate({ roomId, text: "live 1" });
    await alice.trpc.sendMessage.mutate({ roomId, text: "live 2" });

    await waitFor(() => seen.events.length >= 8, "the two live messages");
    expect(texts(seen.events)).toEqual(["m5", "m6", "m7", "m8", "m9", "m10", "live 1", "live 2"]);
    expect(seen.events.slice(0, 6).map((event) => event.data)).toEqual(sent.slice(4));
  });

  it("with an unknown lastEventId yields a gap notice, then every retained message", async () => {
    const app = await startTestServer();
    const alice = app.client();
    const roomId = uniqueRoomId("unknown");
    await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });
    await alice.trpc.sendMessage.mutate({ roomId, text: "one" });
    await alice.trpc.sendMessage.mutate({ roomId, text: "two" });

    // A well-formed id from another server's epoch, and one of no known format.
    const fromElsewhere = collectMessages(app.client(), roomId, "0-1");
    const garbage = collectMessages(app.client(), roomId, "not-an-id-at-all");

    await waitFor(() => fromElsewhere.events.length >= 4 && garbage.events.length >= 4, "the full replays");
    expect(texts(fromElsewhere.events)).toEqual([GAP_NOTICE_TEXT, "alice joined", "one", "two"]);
    expect(texts(garbage.events)).toEqual([GAP_NOTICE_TEXT, "alice joined", "one", "two"]);
    expect(fromElsewhere.events[0]?.data.kind).toBe("gap");
  });

  it("with an expired lastEventId yields a gap notice, then every retained message", async () => {
    const app = await startTestServer({ STORE: "memory", HISTORY_SIZE: "50" });
    const alice = app.client();
    const roomId = uniqueRoomId("expired");
    const { history } = await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });
    const first = history[0];
    if (!first) throw new Error("no join message");
    for (let index = 1; index <= 60; index++) await alice.trpc.sendMessage.mutate({ roomId, text: `m${index}` });

    const seen = collectMessages(app.client(), roomId, first.id);

    await waitFor(() => seen.events.length >= 51, "the retained messages");
    await alice.trpc.sendMessage.mutate({ roomId, text: "live" });
    await waitFor(() => seen.events.length >= 52, "the live message");
    expect(texts(seen.events)).toEqual([GAP_NOTICE_TEXT, ...Array.from({ length: 50 }, (_, index) => `m${index + 11}`), "live"]);
  });

  it("gives every subscriber the same order under concurrent senders", async () => {
    const app = await startTestServer();
    const roomId = uniqueRoomId("order");
    const senders = [app.client(), app.client(), app.client()];
    const readers = [app.client(), app.client(), app.client()].map((client) => collectMessages(client, roomId));
    await Promise.all(readers.map((reader) => reader.started));
    await Promise.all(senders.map((sender, index) => sender.trpc.joinRoom.mutate({ roomId, username: `sender${index}` })));

    const sent = await Promise.all(
      senders.flatMap((sender, senderIndex) =>
        Array.from({ length: 30 }, (_, index) => sender.trpc.sendMessage.mutate({ roomId, text: `s${senderIndex}-${index}` })),
      ),
    );

    const total = 3 + 90;
    await waitFor(() => readers.every((reader) => reader.events.length >= total), "every reader to see every message");
    const sequences = readers.map((reader) => reader.events.map((event) => event.id));
    expect(sequences[1]).toEqual(sequences[0]);
    expect(sequences[2]).toEqual(sequences[0]);
    expect(sequences[0]).toHaveLength(total);
    expect(new Set(sequences[0]).size).toBe(total);
    expect([...(sequences[0] ?? [])].slice(3).sort()).toEqual(sent.map((message) => message.id).sort());
    // The stored history has that same order.
    const stored = await senders[0]?.trpc.joinRoom.mutate({ roomId, username: "sender0" });
    expect(stored?.history.map((message) => message.id)).toEqual(sequences[0]?.slice(-50));
  });
});

describe("onPresence", () => {
  it("first yields a snapshot, then a join or leave per change", async () => {
    const app = await startTestServer();
    const roomId = uniqueRoomId("presence");
    const alice = app.client();
    const bob = app.client();
    await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });
    const seen = collectPresence(app.client(), roomId);
    await waitFor(() => seen.events.length >= 1, "the snapshot");

    await bob.trpc.joinRoom.mutate({ roomId, username: "bob" });
    await alice.trpc.leaveRoom.mutate({ roomId });

    await waitFor(() => seen.events.length >= 3, "two deltas");
    expect(seen.events).toEqual([
      { type: "snapshot", roomId, members: [{ username: "alice" }] },
      { type: "join", roomId, username: "bob" },
      { type: "leave", roomId, username: "alice" },
    ]);
  });

  it("keeps a username present while at least one connection holds it", async () => {
    const app = await startTestServer();
    const roomId = uniqueRoomId("holders");
    const [laptop, phone] = [app.client({ identity: identityOf("alice") }), app.client({ identity: identityOf("alice") })];
    const seen = collectPresence(app.client(), roomId);
    await waitFor(() => seen.events.length >= 1, "the snapshot");

    await laptop.trpc.joinRoom.mutate({ roomId, username: "alice" });
    const phoneJoin = await phone.trpc.joinRoom.mutate({ roomId, username: "alice" });
    await laptop.trpc.leaveRoom.mutate({ roomId });
    // A marker: once bob's join arrives, every earlier change has been delivered.
    const bob = app.client();
    await bob.trpc.joinRoom.mutate({ roomId, username: "bob" });
    await waitFor(() => seen.events.some((event) => event.type === "join" && event.username === "bob"), "bob's join");

    expect(phoneJoin.members).toEqual([{ username: "alice" }]);
    const { history } = await bob.trpc.joinRoom.mutate({ roomId, username: "bob" });
    expect(history.map((message) => message.text)).toEqual(["alice joined", "bob joined"]);
    expect(seen.events).toEqual([
      { type: "snapshot", roomId, members: [] },
      { type: "join", roomId, username: "alice" },
      { type: "join", roomId, username: "bob" },
    ]);
    expect((await bob.trpc.joinRoom.mutate({ roomId, username: "bob" })).members.map((member) => member.username).sort()).toEqual([
      "alice",
      "bob",
    ]);

    await phone.trpc.leaveRoom.mutate({ roomId });
    await waitFor(() => seen.events.length >= 4, "alice's leave");
    expect(seen.events[3]).toEqual({ type: "leave", roomId, username: "alice" });
    expect(presentNames(seen.events)).toEqual(["bob"]);
  });
});

describe("leaveRoom", () => {
  it("returns the folded room id and leaves the connection's subscriptions open", async () => {
    const app = await startTestServer();
    const roomId = uniqueRoomId("leave");
    const alice = app.client();
    const bob = app.client();
    await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });
    await bob.trpc.joinRoom.mutate({ roomId, username: "bob" });
    const messages = collectMessages(alice, roomId);
    const presence = collectPresence(alice, roomId);
    await Promise.all([messages.started, presence.started]);

    const left = await alice.trpc.leaveRoom.mutate({ roomId: roomId.toUpperCase() });
    await bob.trpc.sendMessage.mutate({ roomId, text: "after alice left" });
    await bob.trpc.leaveRoom.mutate({ roomId });

    expect(left).toEqual({ roomId });
    await waitFor(() => texts(messages.events).includes("bob left"), "messages after leaving");
    expect(texts(messages.events)).toEqual(["alice joined", "bob joined", "alice left", "after alice left", "bob left"]);
    await waitFor(() => presence.events.length >= 3, "presence after leaving");
    expect(presence.events.slice(1)).toEqual([
      { type: "leave", roomId, username: "alice" },
      { type: "leave", roomId, username: "bob" },
    ]);
    expect(messages.errors).toEqual([]);
    expect(presence.errors).toEqual([]);
  });

  it("leaving a room one is not in is a harmless no-op", async () => {
    const app = await startTestServer();
    const roomId = uniqueRoomId("noop");

    expect(await app.client().trpc.leaveRoom.mutate({ roomId })).toEqual({ roomId });
  });
});
