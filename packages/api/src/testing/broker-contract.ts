/**
 * The guarantees every `ChatBroker` keeps, as a vitest suite: each broker's test file calls
 * `describeBrokerContract` with a factory, so a Redis broker proves itself against the same
 * sentences as the in-memory one. Nothing here knows how a broker stores messages or shapes ids.
 */
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ChatBroker, MessageDraft } from "../domain/broker.js";
import type { ChatMessage, PresenceEvent, RoomId } from "../schema.js";

/** A user message from `username`. */
function draft(username: string, text: string): MessageDraft {
  return { kind: "user", username, text };
}

/** Reads exactly `count` items, failing if the stream ends first. */
async function read<T>(iterator: AsyncIterator<T>, count: number): Promise<T[]> {
  const items: T[] = [];
  while (items.length < count) {
    const result = await iterator.next();
    if (result.done === true) throw new Error(`The stream ended after ${items.length} of ${count} items.`);
    items.push(result.value);
  }
  return items;
}

/** Reads up to and including the first message whose text is `text`. */
async function readUntilText(iterator: AsyncIterator<ChatMessage>, text: string): Promise<ChatMessage[]> {
  const items: ChatMessage[] = [];
  for (;;) {
    const result = await iterator.next();
    if (result.done === true) throw new Error(`The stream ended before "${text}".`);
    items.push(result.value);
    if (result.value.text === text) return items;
  }
}

const idsOf = (messages: readonly ChatMessage[]): string[] => messages.map((message) => message.id);
const textsOf = (messages: readonly ChatMessage[]): string[] => messages.map((message) => message.text);
const names = (members: readonly { username: string }[]): string[] => members.map((m) => m.username).sort();

/**
 * Declares the contract suite for one broker implementation. `createBroker` is called before
 * every test; the broker is closed after it.
 */
export function describeBrokerContract(name: string, createBroker: () => Promise<ChatBroker> | ChatBroker): void {
  describe(`${name} keeps the ChatBroker contract`, { timeout: 20_000 }, () => {
    let broker: ChatBroker;
    let closed = false;
    let controllers: AbortController[] = [];
    // Unique per run, so a broker backed by shared storage never sees another test's rooms.
    const run = randomUUID().slice(0, 8);
    let rooms = 0;

    /** A room id no other test uses. */
    const newRoom = (): RoomId => `c-${run}-${++rooms}`;

    /** A signal that is aborted after the test at the latest. */
    const newSignal = (): AbortController => {
      const controller = new AbortController();
      controllers.push(controller);
      return controller;
    };

    /** Opens a message stream and returns its iterator. */
    const subscribe = (roomId: RoomId, afterId: string | null | undefined = null): AsyncIterator<ChatMessage> =>
      broker.messages(roomId, afterId, newSignal().signal)[Symbol.asyncIterator]();

    /** Opens a presence stream and returns its iterator. */
    const watchPresence = (roomId: RoomId): AsyncIterator<PresenceEvent> =>
      broker.presence(roomId, newSignal().signal)[Symbol.asyncIterator]();

    /** Publishes `texts` one after the other, as one sender would. */
    const publishAll = async (roomId: RoomId, username: string, texts: readonly string[]): Promise<ChatMessage[]> => {
      const published: ChatMessage[] = [];
      for (const text of texts) published.push(await broker.publish(roomId, draft(username, text)));
      return published;
    };

    const closeBroker = async (): Promise<void> => {
      closed = true;
      await broker.close();
    };

    beforeEach(async () => {
      broker = await createBroker();
      closed = false;
      controllers = [];
    });

    afterEach(async () => {
      for (const controller of controllers) controller.abort();
      if (!closed) await broker.close();
    });

    describe("publish and history", () => {
      it("assigns each published message a unique id, its room id and a Date", async () => {
        const roomId = newRoom();
        const otherRoom = newRoom();
        const message = await broker.publish(roomId, { kind: "system", username: "alice", text: "alice joined" });
        expect(message).toEqual({
          id: expect.any(String),
          roomId,
          kind: "system",
          username: "alice",
          text: "alice joined",
          sentAt: expect.any(Date),
        });
        expect(Number.isNaN(message.sentAt.getTime())).toBe(false);

        const more = [
          ...(await publishAll(roomId, "bob", ["1", "2", "3"])),
          ...(await publishAll(otherRoom, "bob", ["4", "5"])),
          ...(await Promise.all(["6", "7", "8"].map((text) => broker.publish(roomId, draft("carol", text))))),
        ];
        const ids = [message.id, ...idsOf(more)];
        expect(new Set(ids).size).toBe(ids.length);
        for (const id of ids) expect(id.length).toBeGreaterThan(0);
        expect(more.filter((m) => m.roomId === otherRoom).map((m) => m.text)).toEqual(["4", "5"]);
      });

      it("returns the last n messages of a room from history, oldest first", async () => {
        const roomId = newRoom();
        const published = await publishAll(roomId, "alice", ["a", "b", "c", "d", "e"]);
        expect(await broker.history(roomId, 3)).toEqual(published.slice(2));
        expect(await broker.history(roomId, 1)).toEqual(published.slice(4));
      });

      it("returns every message from history when fewer than n exist", async () => {
        const roomId = newRoom();
        const published = await publishAll(roomId, "alice", ["a", "b"]);
        expect(await broker.history(roomId, 50)).toEqual(published);
      });

      it("keeps system messages in history beside user ones", async () => {
        const roomId = newRoom();
        await broker.publish(roomId, { kind: "system", username: "alice", text: "alice joined" });
        await broker.publish(roomId, draft("alice", "hi"));
        expect((await broker.history(roomId, 10)).map((m) => m.kind)).toEqual(["system", "user"]);
      });

      it("returns an empty history for a room nobody used", async () => {
        expect(await broker.history(newRoom(), 50)).toEqual([]);
      });
    });

    describe("message streams", () => {
      it("replays the retained history, then live messages, with no gap and no duplicate", async () => {
        const roomId = newRoom();
        const before = await publishAll(roomId, "alice", ["1", "2", "3"]);
        const stream = subscribe(roomId, null);
        const after = await publishAll(roomId, "bob", ["4", "5", "6"]);
        await broker.publish(roomId, draft("bob", "end"));
        const seen = await readUntilText(stream, "end");
        expect(textsOf(seen)).toEqual(["1", "2", "3", "4", "5", "6", "end"]);
        expect(idsOf(seen.slice(0, 6))).toEqual(idsOf([...before, ...after]));
        expect(seen[0]).toEqual(before[0]);
      });

      it("delivers messages to a reader of an empty room as they are published", async () => {
        const roomId = newRoom();
        const stream = subscribe(roomId);
        const pending = stream.next();
        const message = await broker.publish(roomId, draft("alice", "first"));
        expect(await pending).toEqual({ value: message, done: false });
      });

      it("loses and repeats nothing when a reader subscribes while messages are being published", async () => {
        const roomId = newRoom();
        const texts = Array.from({ length: 40 }, (_, index) => `m${index}`);
        const sending = publishAll(roomId, "alice", texts);
        // Subscribe part-way through: after a few of the sender's awaits have gone by.
        for (let tick = 0; tick < 10; tick++) await Promise.resolve();
        const stream = subscribe(roomId, null);
        await sending;
        await broker.publish(roomId, draft("alice", "end"));
        const seen = await readUntilText(stream, "end");
        expect(textsOf(seen)).toEqual([...texts, "end"]);
      });

      it.each([0, 2, 4])("yields exactly the messages after the k-th when resumed from its id (k = %i)", async (k) => {
        const roomId = newRoom();
        const published = await publishAll(roomId, "alice", ["1", "2", "3", "4", "5"]);
        const resumedAt = published[k];
        if (resumedAt === undefined) throw new Error(`no message ${k}`);
        const stream = subscribe(roomId, resumedAt.id);
        await broker.publish(roomId, draft("alice", "end"));
        const seen = await readUntilText(stream, "end");
        expect(idsOf(seen.slice(0, -1))).toEqual(idsOf(published.slice(k + 1)));
        expect(seen.at(-1)?.text).toBe("end");
      });

      it("yields only live messages when resumed from the newest id", async () => {
        const roomId = newRoom();
        const published = await publishAll(roomId, "alice", ["1", "2"]);
        const newest = published[1];
        if (newest === undefined) throw new Error("no such message");
        const stream = subscribe(roomId, newest.id);
        await broker.publish(roomId, draft("alice", "live"));
        expect(textsOf(await read(stream, 1))).toEqual(["live"]);
      });

      it.each([
        ["undefined", undefined],
        ["the empty string", ""],
        ["garbage", "garbage"],
        ["a dash alone", "-"],
        ["another broker's id", "1-1"],
        ["an id from the far future of another broker", "zzzzzzzz-999999999"],
        ["a 64-character string", "x".repeat(64)],
      ])("replays every retained message when lastEventId is %s", async (_label, lastEventId) => {
        const roomId = newRoom();
        await publishAll(roomId, "alice", ["1", "2", "3"]);
        const stream = subscribe(roomId, lastEventId);
        await broker.publish(roomId, draft("alice", "end"));
        expect(textsOf(await readUntilText(stream, "end"))).toEqual(["1", "2", "3", "end"]);
      });

      it("replays every retained message when lastEventId is the id of another room's message", async () => {
        const roomId = newRoom();
        const elsewhere = newRoom();
        await publishAll(roomId, "alice", ["1", "2"]);
        const [foreign] = await publishAll(elsewhere, "bob", ["other room"]);
        await publishAll(roomId, "alice", ["3"]);
        if (foreign === undefined) throw new Error("no message in the other room");
        const stream = subscribe(roomId, foreign.id);
        await broker.publish(roomId, draft("alice", "end"));
        expect(textsOf(await readUntilText(stream, "end"))).toEqual(["1", "2", "3", "end"]);
      });

      it("shows two readers the same order while two senders publish at once", async () => {
        const roomId = newRoom();
        await publishAll(roomId, "carol", ["before"]);
        const first = subscribe(roomId);
        const second = subscribe(roomId);
        const count = 60;
        const texts = (sender: string): string[] => Array.from({ length: count }, (_, index) => `${sender}${index}`);
        // Two senders, each sending in order, concurrently with each other and with a burst.
        await Promise.all([
          publishAll(roomId, "alice", texts("a")),
          publishAll(roomId, "bob", texts("b")),
          Promise.all(texts("c").map((text) => broker.publish(roomId, draft("carol", text)))),
        ]);
        await broker.publish(roomId, draft("carol", "end"));
        const seenByFirst = await readUntilText(first, "end");
        const seenBySecond = await readUntilText(second, "end");
        expect(idsOf(seenBySecond)).toEqual(idsOf(seenByFirst));
        expect(seenByFirst).toHaveLength(3 * count + 2);
        expect(new Set(idsOf(seenByFirst)).size).toBe(seenByFirst.length);
        // Each sequential sender's messages keep that sender's order.
        for (const sender of ["a", "b"]) {
          expect(textsOf(seenByFirst).filter((text) => /^[ab]\d+$/.test(text) && text.startsWith(sender))).toEqual(texts(sender));
        }
        // History agrees with what the readers saw.
        expect(idsOf(await broker.history(roomId, 3 * count + 2))).toEqual(idsOf(seenByFirst));
        // A reader that starts now replays the same order.
        const late = subscribe(roomId);
        expect(idsOf(await read(late, 3 * count + 2))).toEqual(idsOf(seenByFirst));
      });

      it("keeps rooms apart: a reader sees only its room's messages", async () => {
        const roomA = newRoom();
        const roomB = newRoom();
        const streamA = subscribe(roomA);
        await broker.publish(roomB, draft("bob", "b1"));
        await broker.publish(roomA, draft("alice", "a1"));
        await broker.publish(roomB, draft("bob", "b2"));
        await broker.publish(roomA, draft("alice", "end"));
        expect(textsOf(await readUntilText(streamA, "end"))).toEqual(["a1", "end"]);
        expect(textsOf(await broker.history(roomB, 10))).toEqual(["b1", "b2"]);
        expect(textsOf(await broker.history(roomA, 10))).toEqual(["a1", "end"]);
      });

      it("ends a message stream when its signal aborts and stops counting it", async () => {
        const roomId = newRoom();
        const baseline = broker.stats().streams;
        const controller = newSignal();
        const stream = broker.messages(roomId, null, controller.signal)[Symbol.asyncIterator]();
        await expect.poll(() => broker.stats().streams).toBe(baseline + 1);
        const pending = stream.next();
        controller.abort();
        expect(await pending).toEqual({ value: undefined, done: true });
        await expect.poll(() => broker.stats().streams).toBe(baseline);
        await broker.publish(roomId, draft("alice", "after the end"));
        expect(await stream.next()).toEqual({ value: undefined, done: true });
      });

      it("ends a message stream when its reader stops iterating", async () => {
        const roomId = newRoom();
        const baseline = broker.stats().streams;
        await publishAll(roomId, "alice", ["1", "2", "3"]);
        const seen: string[] = [];
        for await (const message of broker.messages(roomId, null, newSignal().signal)) {
          seen.push(message.text);
          if (seen.length === 2) break;
        }
        expect(seen).toEqual(["1", "2"]);
        await expect.poll(() => broker.stats().streams).toBe(baseline);
      });

      it("yields nothing from a message stream whose signal has already aborted", async () => {
        const roomId = newRoom();
        await publishAll(roomId, "alice", ["1"]);
        const baseline = broker.stats().streams;
        const stream = broker.messages(roomId, null, AbortSignal.abort())[Symbol.asyncIterator]();
        expect(await stream.next()).toEqual({ value: undefined, done: true });
        await expect.poll(() => broker.stats().streams).toBe(baseline);
      });
    });

    describe("presence", () => {
      it("reports a name as arriving only for its first holder", async () => {
        const roomId = newRoom();
        expect(await broker.addMember(roomId, "alice", "conn-1")).toBe(true);
        expect(await broker.addMember(roomId, "alice", "conn-2")).toBe(false);
        expect(await broker.addMember(roomId, "bob", "conn-1")).toBe(true);
        expect(names(await broker.members(roomId))).toEqual(["alice", "bob"]);
      });

      it("reports a name as gone only when its last holder leaves", async () => {
        const roomId = newRoom();
        await broker.addMember(roomId, "alice", "conn-1");
        await broker.addMember(roomId, "alice", "conn-2");
        expect(await broker.removeMember(roomId, "alice", "conn-1")).toBe(false);
        expect(names(await broker.members(roomId))).toEqual(["alice"]);
        expect(await broker.removeMember(roomId, "alice", "conn-2")).toBe(true);
        expect(await broker.members(roomId)).toEqual([]);
      });

      it("reports nothing gone when a connection that holds nothing leaves", async () => {
        const roomId = newRoom();
        await broker.addMember(roomId, "alice", "conn-1");
        expect(await broker.removeMember(roomId, "alice", "conn-2")).toBe(false);
        expect(await broker.removeMember(roomId, "bob", "conn-1")).toBe(false);
        expect(await broker.removeMember(newRoom(), "alice", "conn-1")).toBe(false);
        expect(names(await broker.members(roomId))).toEqual(["alice"]);
        expect(await broker.removeMember(roomId, "alice", "conn-1")).toBe(true);
        expect(await broker.removeMember(roomId, "alice", "conn-1")).toBe(false);
      });

      it("keeps members per room", async () => {
        const roomA = newRoom();
        const roomB = newRoom();
        expect(await broker.addMember(roomA, "alice", "conn-1")).toBe(true);
        expect(await broker.addMember(roomB, "alice", "conn-1")).toBe(true);
        await broker.addMember(roomB, "bob", "conn-2");
        expect(await broker.removeMember(roomA, "alice", "conn-1")).toBe(true);
        expect(await broker.members(roomA)).toEqual([]);
        expect(names(await broker.members(roomB))).toEqual(["alice", "bob"]);
      });

      it("starts a presence stream with a snapshot of the members", async () => {
        const roomId = newRoom();
        await broker.addMember(roomId, "alice", "conn-1");
        await broker.addMember(roomId, "bob", "conn-2");
        const [snapshot] = await read(watchPresence(roomId), 1);
        if (snapshot?.type !== "snapshot") throw new Error(`expected a snapshot, got ${JSON.stringify(snapshot)}`);
        expect(snapshot.roomId).toBe(roomId);
        expect(names(snapshot.members)).toEqual(["alice", "bob"]);
      });

      it("starts a presence stream of an empty room with an empty snapshot", async () => {
        const roomId = newRoom();
        expect(await read(watchPresence(roomId), 1)).toEqual([{ type: "snapshot", roomId, members: [] }]);
      });

      it("follows the snapshot with one join or leave per change, with no gap", async () => {
        const roomId = newRoom();
        await broker.addMember(roomId, "alice", "conn-1");
        const stream = watchPresence(roomId);
        await broker.addMember(roomId, "bob", "conn-2");
        await broker.addMember(roomId, "bob", "conn-3");
        await broker.removeMember(roomId, "bob", "conn-2");
        await broker.removeMember(roomId, "alice", "conn-1");
        await broker.removeMember(roomId, "bob", "conn-3");
        await broker.addMember(roomId, "carol", "conn-4");
        expect(await read(stream, 5)).toEqual([
          { type: "snapshot", roomId, members: [{ username: "alice" }] },
          { type: "join", roomId, username: "bob" },
          { type: "leave", roomId, username: "alice" },
          { type: "leave", roomId, username: "bob" },
          { type: "join", roomId, username: "carol" },
        ]);
      });

      it("keeps the snapshot and the deltas consistent while members come and go", async () => {
        const roomId = newRoom();
        const joining = (async () => {
          for (let index = 0; index < 20; index++) await broker.addMember(roomId, `user${index}`, `conn-${index}`);
        })();
        for (let tick = 0; tick < 10; tick++) await Promise.resolve();
        const stream = watchPresence(roomId);
        await joining;
        await broker.addMember(roomId, "end", "conn-end");
        const present = new Set<string>();
        for (;;) {
          const [event] = await read(stream, 1);
          if (event === undefined) throw new Error("no event");
          if (event.type === "snapshot") {
            for (const member of event.members) present.add(member.username);
          } else {
            // A join for someone already in the snapshot would be a duplicate.
            expect(present.has(event.username)).toBe(false);
            present.add(event.username);
            if (event.username === "end") break;
          }
        }
        expect([...present].sort()).toEqual([...Array.from({ length: 20 }, (_, i) => `user${i}`), "end"].sort());
      });

      it("shows presence deltas only of the stream's own room", async () => {
        const roomA = newRoom();
        const roomB = newRoom();
        const stream = watchPresence(roomA);
        await broker.addMember(roomB, "bob", "conn-1");
        await broker.addMember(roomA, "alice", "conn-1");
        expect(await read(stream, 2)).toEqual([
          { type: "snapshot", roomId: roomA, members: [] },
          { type: "join", roomId: roomA, username: "alice" },
        ]);
      });

      it("ends a presence stream when its signal aborts and stops counting it", async () => {
        const roomId = newRoom();
        const baseline = broker.stats().streams;
        const controller = newSignal();
        const stream = broker.presence(roomId, controller.signal)[Symbol.asyncIterator]();
        await read(stream, 1);
        await expect.poll(() => broker.stats().streams).toBe(baseline + 1);
        const pending = stream.next();
        controller.abort();
        expect(await pending).toEqual({ value: undefined, done: true });
        await expect.poll(() => broker.stats().streams).toBe(baseline);
      });
    });

    describe("rooms", () => {
      it("lists the rooms that have members, with how many, busiest first", async () => {
        const quiet = newRoom();
        const busy = newRoom();
        const empty = newRoom();
        const left = newRoom();
        await broker.addMember(quiet, "alice", "conn-1");
        await broker.addMember(busy, "alice", "conn-1");
        await broker.addMember(busy, "bob", "conn-2");
        await broker.addMember(busy, "bob", "conn-3");
        await broker.addMember(busy, "carol", "conn-4");
        await broker.publish(empty, draft("nobody", "hello?"));
        await broker.addMember(left, "dave", "conn-5");
        await broker.removeMember(left, "dave", "conn-5");
        const ours = new Set([quiet, busy, empty, left]);
        const listed = (await broker.listRooms()).filter((room) => ours.has(room.roomId));
        expect(listed).toEqual([
          { roomId: busy, members: 3 },
          { roomId: quiet, members: 1 },
        ]);
      });
    });

    describe("close", () => {
      it("ends every open stream when the broker closes", async () => {
        const roomId = newRoom();
        await broker.addMember(roomId, "alice", "conn-1");
        const messages = subscribe(roomId);
        const presence = watchPresence(roomId);
        await read(presence, 1);
        const pendingMessage = messages.next();
        const pendingPresence = presence.next();
        await closeBroker();
        expect(await pendingMessage).toEqual({ value: undefined, done: true });
        expect(await pendingPresence).toEqual({ value: undefined, done: true });
        expect(broker.stats().streams).toBe(0);
      });
    });
  });
}
