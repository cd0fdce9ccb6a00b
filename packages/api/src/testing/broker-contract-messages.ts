/**
 * The message half of the broker contract: what publishing stores and what a reader of a room's
 * stream sees, including resumption and ordering while several senders publish at once.
 */
import { describe, expect, it } from "vitest";
import { type BrokerHarness, draft, idsOf, read, readUntilText, textOf, textsOf } from "./broker-harness.js";

/** Takes the harness, not a factory, so all sections share one broker per test and one set of hooks. */
export function describeMessageContract(harness: BrokerHarness): void {
  const { newRoom, newSignal, subscribe, publishAll } = harness;

  describe("publish and history", () => {
    it("assigns each published message a unique id, its room id and a Date", async () => {
      const roomId = newRoom();
      const otherRoom = newRoom();
      const message = await harness.broker.publish(roomId, { kind: "system", username: "alice", text: "alice joined" });
      expect(message).toEqual({
        id: expect.any(String),
        roomId,
        kind: "system",
        username: "alice",
        text: "alice joined",
        sentAt: expect.any(Date),
        editedAt: null,
        deleted: false,
        replyTo: null,
        mentions: [],
        reactions: [],
      });
      expect(Number.isNaN(message.sentAt.getTime())).toBe(false);

      const more = [
        ...(await publishAll(roomId, "bob", ["1", "2", "3"])),
        ...(await publishAll(otherRoom, "bob", ["4", "5"])),
        ...(await Promise.all(["6", "7", "8"].map((text) => harness.broker.publish(roomId, draft("carol", text))))),
      ];
      const ids = [message.id, ...idsOf(more)];
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of ids) expect(id.length).toBeGreaterThan(0);
      expect(more.filter((m) => m.roomId === otherRoom).map((m) => m.text)).toEqual(["4", "5"]);
    });

    it("has a room once it holds a message or a member, never for a reader or a typing signal alone", async () => {
      const [read, typed, written, joined] = [newRoom(), newRoom(), newRoom(), newRoom()];
      // Each asked at once: a broker under memory pressure may forget a room nobody uses later.
      subscribe(read);
      expect(await harness.broker.hasRoom(read)).toBe(false);
      await harness.broker.typing(typed, "alice");
      expect(await harness.broker.hasRoom(typed)).toBe(false);
      await harness.broker.publish(written, draft("alice", "hello"));
      expect(await harness.broker.hasRoom(written)).toBe(true);
      await harness.broker.addMember(joined, "bob", "holder-1");
      expect(await harness.broker.hasRoom(joined)).toBe(true);
    });

    it("returns the last n messages of a room from history, oldest first", async () => {
      const roomId = newRoom();
      const published = await publishAll(roomId, "alice", ["a", "b", "c", "d", "e"]);
      expect(await harness.broker.history(roomId, 3)).toEqual(published.slice(2));
      expect(await harness.broker.history(roomId, 1)).toEqual(published.slice(4));
    });

    it("returns every message from history when fewer than n exist", async () => {
      const roomId = newRoom();
      const published = await publishAll(roomId, "alice", ["a", "b"]);
      expect(await harness.broker.history(roomId, 50)).toEqual(published);
    });

    it("keeps system messages in history beside user ones", async () => {
      const roomId = newRoom();
      await harness.broker.publish(roomId, { kind: "system", username: "alice", text: "alice joined" });
      await harness.broker.publish(roomId, draft("alice", "hi"));
      expect((await harness.broker.history(roomId, 10)).map((m) => m.kind)).toEqual(["system", "user"]);
    });

    it("returns an empty history for a room nobody used", async () => {
      expect(await harness.broker.history(newRoom(), 50)).toEqual([]);
    });
  });

  describe("message streams", () => {
    it("replays the retained history, then live messages, with no gap and no duplicate", async () => {
      const roomId = newRoom();
      const before = await publishAll(roomId, "alice", ["1", "2", "3"]);
      const stream = subscribe(roomId, null);
      const after = await publishAll(roomId, "bob", ["4", "5", "6"]);
      await harness.broker.publish(roomId, draft("bob", "end"));
      const seen = await readUntilText(stream, "end");
      expect(textsOf(seen)).toEqual(["1", "2", "3", "4", "5", "6", "end"]);
      expect(idsOf(seen.slice(0, 6))).toEqual(idsOf([...before, ...after]));
      expect(seen[0]).toEqual(before[0]);
    });

    it("delivers messages to a reader of an empty room as they are published", async () => {
      const roomId = newRoom();
      const stream = subscribe(roomId);
      const pending = stream.next();
      const message = await harness.broker.publish(roomId, draft("alice", "first"));
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
      await harness.broker.publish(roomId, draft("alice", "end"));
      const seen = await readUntilText(stream, "end");
      expect(textsOf(seen)).toEqual([...texts, "end"]);
    });

    it.each([0, 2, 4])("yields exactly the messages after the k-th when resumed from its id (k = %i)", async (k) => {
      const roomId = newRoom();
      const published = await publishAll(roomId, "alice", ["1", "2", "3", "4", "5"]);
      const resumedAt = published[k];
      if (resumedAt === undefined) throw new Error(`no message ${k}`);
      const stream = subscribe(roomId, resumedAt.id);
      await harness.broker.publish(roomId, draft("alice", "end"));
      const seen = await readUntilText(stream, "end");
      expect(idsOf(seen.slice(0, -1))).toEqual(idsOf(published.slice(k + 1)));
      expect(textsOf(seen).at(-1)).toBe("end");
    });

    it("yields only live messages when resumed from the newest id", async () => {
      const roomId = newRoom();
      const published = await publishAll(roomId, "alice", ["1", "2"]);
      const newest = published[1];
      if (newest === undefined) throw new Error("no such message");
      const stream = subscribe(roomId, newest.id);
      await harness.broker.publish(roomId, draft("alice", "live"));
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
      await harness.broker.publish(roomId, draft("alice", "end"));
      // Past a gap notice, if any (see the gap sentences): a client that ignores it gets the rest.
      const seen = (await readUntilText(stream, "end")).filter((message) => message.kind !== "gap");
      expect(textsOf(seen)).toEqual(["1", "2", "3", "end"]);
    });

    it("replays every retained message when lastEventId is the id of another room's message", async () => {
      const roomId = newRoom();
      const elsewhere = newRoom();
      await publishAll(roomId, "alice", ["1", "2"]);
      const [foreign] = await publishAll(elsewhere, "bob", ["other room"]);
      await publishAll(roomId, "alice", ["3"]);
      if (foreign === undefined) throw new Error("no message in the other room");
      const stream = subscribe(roomId, foreign.id);
      await harness.broker.publish(roomId, draft("alice", "end"));
      const seen = (await readUntilText(stream, "end")).filter((message) => message.kind !== "gap");
      expect(textsOf(seen)).toEqual(["1", "2", "3", "end"]);
    });

    it("shows two readers the same order while two senders publish at once", async () => {
      const roomId = newRoom();
      await publishAll(roomId, "carol", ["before"]);
      const first = subscribe(roomId);
      const second = subscribe(roomId);
      // Few enough that a reader starting afterwards replays them all (REPLAY_LIMIT).
      const count = 30;
      const texts = (sender: string): string[] => Array.from({ length: count }, (_, index) => `${sender}${index}`);
      // Two senders, each sending in order, concurrently with each other and with a burst.
      await Promise.all([
        publishAll(roomId, "alice", texts("a")),
        publishAll(roomId, "bob", texts("b")),
        Promise.all(texts("c").map((text) => harness.broker.publish(roomId, draft("carol", text)))),
      ]);
      await harness.broker.publish(roomId, draft("carol", "end"));
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
      expect(idsOf(await harness.broker.history(roomId, 3 * count + 2))).toEqual(idsOf(seenByFirst));
      // A reader that starts now replays the same order.
      const late = subscribe(roomId);
      expect(idsOf(await read(late, 3 * count + 2))).toEqual(idsOf(seenByFirst));
    });

    it("keeps rooms apart: a reader sees only its room's messages", async () => {
      const roomA = newRoom();
      const roomB = newRoom();
      const streamA = subscribe(roomA);
      await harness.broker.publish(roomB, draft("bob", "b1"));
      await harness.broker.publish(roomA, draft("alice", "a1"));
      await harness.broker.publish(roomB, draft("bob", "b2"));
      await harness.broker.publish(roomA, draft("alice", "end"));
      expect(textsOf(await readUntilText(streamA, "end"))).toEqual(["a1", "end"]);
      expect(textsOf(await harness.broker.history(roomB, 10))).toEqual(["b1", "b2"]);
      expect(textsOf(await harness.broker.history(roomA, 10))).toEqual(["a1", "end"]);
    });

    it("ends a message stream when its signal aborts and stops counting it", async () => {
      const roomId = newRoom();
      const baseline = harness.broker.stats().streams;
      const controller = newSignal();
      const stream = harness.broker.messages(roomId, null, controller.signal)[Symbol.asyncIterator]();
      await expect.poll(() => harness.broker.stats().streams).toBe(baseline + 1);
      const pending = stream.next();
      controller.abort();
      expect(await pending).toEqual({ value: undefined, done: true });
      await expect.poll(() => harness.broker.stats().streams).toBe(baseline);
      await harness.broker.publish(roomId, draft("alice", "after the end"));
      expect(await stream.next()).toEqual({ value: undefined, done: true });
    });

    it("ends a message stream when its reader stops iterating", async () => {
      const roomId = newRoom();
      const baseline = harness.broker.stats().streams;
      await publishAll(roomId, "alice", ["1", "2", "3"]);
      const seen: string[] = [];
      for await (const message of harness.broker.messages(roomId, null, newSignal().signal)) {
        seen.push(textOf(message));
        if (seen.length === 2) break;
      }
      expect(seen).toEqual(["1", "2"]);
      await expect.poll(() => harness.broker.stats().streams).toBe(baseline);
    });

    it("yields nothing from a message stream whose signal has already aborted", async () => {
      const roomId = newRoom();
      await publishAll(roomId, "alice", ["1"]);
      const baseline = harness.broker.stats().streams;
      const stream = harness.broker.messages(roomId, null, AbortSignal.abort())[Symbol.asyncIterator]();
      expect(await stream.next()).toEqual({ value: undefined, done: true });
      await expect.poll(() => harness.broker.stats().streams).toBe(baseline);
    });
  });
}
