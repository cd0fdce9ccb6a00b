import { describe, expect, it } from "vitest";
import { collectMessages, identityOf, messagesIn, texts, uniqueRoomId, waitFor } from "../fixtures/helpers.js";
import { startTestServer } from "../fixtures/test-server.js";

describe("joinRoom", () => {
  it("returns the folded room id, the name, the history with the own join message, and the members", async () => {
    const app = await startTestServer();
    const alice = app.client();
    const roomId = uniqueRoomId("join");

    const joined = await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });

    expect(Object.keys(joined).sort()).toEqual(["history", "members", "private", "roomId", "username"]);
    expect(joined.private).toBe(false);
    expect(joined.roomId).toBe(roomId);
    expect(joined.username).toBe("alice");
    expect(joined.members).toEqual([{ username: "alice" }]);
    expect(joined.history).toHaveLength(1);
    const [own] = joined.history;
    expect(own).toMatchObject({ roomId, kind: "system", username: "alice", text: "alice joined" });
    expect(typeof own?.id).toBe("string");
    expect(own?.sentAt).toBeInstanceOf(Date);
  });

  it("treats General and general as one room and stores the folded id on messages", async () => {
    const app = await startTestServer();
    const alice = app.client();
    const bob = app.client();
    const roomId = uniqueRoomId("fold");
    const shouted = roomId.toUpperCase().replace("FOLD", "Fold");

    const aliceJoin = await alice.trpc.joinRoom.mutate({ roomId: shouted, username: "alice" });
    const bobJoin = await bob.trpc.joinRoom.mutate({ roomId, username: "bob" });
    const sent = await alice.trpc.sendMessage.mutate({ roomId: shouted, text: "hello" });

    expect(aliceJoin.roomId).toBe(roomId);
    expect(bobJoin.members.map((member) => member.username).sort()).toEqual(["alice", "bob"]);
    expect(bobJoin.history.map((message) => message.roomId)).toEqual([roomId, roomId]);
    expect(sent.roomId).toBe(roomId);
  });

  it("joining again with the same name is a no-op that returns the same shape", async () => {
    const app = await startTestServer();
    const alice = app.client();
    const roomId = uniqueRoomId("rejoin");

    const first = await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });
    const second = await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });

    expect(second).toEqual(first);
    expect(second.history.filter((message) => message.text === "alice joined")).toHaveLength(1);
    expect(second.members).toEqual([{ username: "alice" }]);
  });

  it("refuses a different name on the same connection in the same room with CONFLICT", async () => {
    const app = await startTestServer();
    const alice = app.client();
    const roomId = uniqueRoomId("conflict");
    await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });

    const error = await alice.trpc.joinRoom.mutate({ roomId, username: "mallory" }).then(
      () => null,
      (caught: unknown) => caught,
    );

    expect(error).toMatchObject({ data: { code: "CONFLICT" } });
    const { members } = await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });
    expect(members).toEqual([{ username: "alice" }]);
  });

  it("lets one connection use different names in different rooms", async () => {
    const app = await startTestServer();
    const client = app.client();
    const work = uniqueRoomId("work");
    const home = uniqueRoomId("home");

    await client.trpc.joinRoom.mutate({ roomId: work, username: "alice" });
    await client.trpc.joinRoom.mutate({ roomId: home, username: "ally" });

    expect((await client.trpc.sendMessage.mutate({ roomId: work, text: "at work" })).username).toBe("alice");
    expect((await client.trpc.sendMessage.mutate({ roomId: home, text: "at home" })).username).toBe("ally");
  });
});

describe("sendMessage", () => {
  it("returns the stored message, with sentAt a Date, as every reader receives it", async () => {
    const app = await startTestServer();
    const alice = app.client();
    const reader = app.client();
    const roomId = uniqueRoomId("send");
    await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });
    const seen = collectMessages(reader, roomId);

    const sent = await alice.trpc.sendMessage.mutate({ roomId, text: "hello world" });

    expect(sent).toMatchObject({ roomId, kind: "user", username: "alice", text: "hello world" });
    expect(sent.sentAt).toBeInstanceOf(Date);
    expect(Number.isNaN(sent.sentAt.getTime())).toBe(false);
    await waitFor(() => seen.events.some((event) => event.id === sent.id), "the reader to receive the message");
    expect(seen.events.find((event) => event.id === sent.id)?.data).toEqual(sent);
    const { history } = await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });
    expect(history.at(-1)).toEqual(sent);
  });

  it("takes the author from the join, never from the input", async () => {
    const app = await startTestServer();
    const alice = app.client();
    const roomId = uniqueRoomId("author");
    await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });

    // Not a literal, so TypeScript lets the extra field through as a hostile client would.
    const forged = { roomId, text: "I am bob", username: "bob", kind: "system" };
    const sent = await alice.trpc.sendMessage.mutate(forged);

    // The server strips unknown fields (zod's default) rather than rejecting them.
    expect(sent.username).toBe("alice");
    expect(sent.kind).toBe("user");
    const { history } = await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });
    expect(history.at(-1)).toMatchObject({ username: "alice", kind: "user", text: "I am bob" });
  });
});

describe("history and system messages", () => {
  it("joinRoom returns at most the last 50 messages, oldest first", async () => {
    const app = await startTestServer();
    const alice = app.client();
    const carol = app.client();
    const roomId = uniqueRoomId("history");
    await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });
    for (let index = 1; index <= 60; index++) await alice.trpc.sendMessage.mutate({ roomId, text: `m${index}` });

    const { history } = await carol.trpc.joinRoom.mutate({ roomId, username: "carol" });

    // The room holds "alice joined", m1…m60, "carol joined": the last 50 are m12…m60 and carol's.
    const expected = [...Array.from({ length: 49 }, (_, index) => `m${index + 12}`), "carol joined"];
    expect(history.map((message) => message.text)).toEqual(expected);
  });

  it("announces joins and leaves as system messages whose username is the person", async () => {
    const app = await startTestServer();
    const alice = app.client();
    const bob = app.client();
    const roomId = uniqueRoomId("system");
    await bob.trpc.joinRoom.mutate({ roomId, username: "bob" });
    const seen = collectMessages(bob, roomId);
    await seen.started;

    await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });
    await alice.trpc.leaveRoom.mutate({ roomId });

    await waitFor(() => texts(seen.events).includes("alice left"), "alice's leave message");
    const system = messagesIn(seen.events).filter((message) => message.username === "alice");
    expect(system).toMatchObject([
      { kind: "system", username: "alice", text: "alice joined", roomId },
      { kind: "system", username: "alice", text: "alice left", roomId },
    ]);
  });
});

describe("listRooms", () => {
  it("lists rooms with their member counts", async () => {
    const app = await startTestServer();
    const busy = uniqueRoomId("busy");
    const quiet = uniqueRoomId("quiet");
    const [alice, bob, carol] = [app.client(), app.client(), app.client()];
    await alice.trpc.joinRoom.mutate({ roomId: busy, username: "alice" });
    await bob.trpc.joinRoom.mutate({ roomId: busy, username: "bob" });
    await carol.trpc.joinRoom.mutate({ roomId: quiet, username: "carol" });

    const { rooms, nextCursor } = await carol.trpc.listRooms.query();

    expect(nextCursor).toBeNull();
    expect(rooms).toEqual(
      expect.arrayContaining([
        { roomId: busy, members: 2 },
        { roomId: quiet, members: 1 },
      ]),
    );
    expect(rooms).toHaveLength(2);
  });

  it("counts a name held by two connections once and drops rooms everyone left", async () => {
    const app = await startTestServer();
    const roomId = uniqueRoomId("count");
    const [first, second] = [app.client({ identity: identityOf("alice") }), app.client({ identity: identityOf("alice") })];
    await first.trpc.joinRoom.mutate({ roomId, username: "alice" });
    await second.trpc.joinRoom.mutate({ roomId, username: "alice" });

    expect((await first.trpc.listRooms.query()).rooms).toEqual([{ roomId, members: 1 }]);

    await first.trpc.leaveRoom.mutate({ roomId });
    await second.trpc.leaveRoom.mutate({ roomId });
    // The list is read at most once a second, so the empty room leaves it within that second.
    await waitFor(async () => (await first.trpc.listRooms.query()).rooms.length === 0, "the empty room to leave the list");
  });
});
