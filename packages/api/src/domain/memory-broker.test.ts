import { afterEach, describe, expect, it } from "vitest";
import type { ChatEvent, ChatMessage, RoomId } from "../schema.js";
import { describeBrokerContract } from "../testing/broker-contract.js";
import { textOf } from "../testing/broker-harness.js";
import { ManualClock } from "./clock.js";
import { GAP_NOTICE_TEXT } from "./gap-notice.js";
import { MemoryBroker, type MemoryBrokerOptions } from "./memory-broker.js";

describeBrokerContract("MemoryBroker", (clock, settings) => new MemoryBroker({ ...settings, clock }));

// The same guarantees hold when rooms are being evicted all the time: only idle rooms go.
describeBrokerContract("MemoryBroker under eviction pressure", (clock, settings) => new MemoryBroker({ ...settings, maxRooms: 2, clock }));

// And when history is shed all the time for its byte budget (a few messages' worth).
describeBrokerContract("MemoryBroker under history pressure", (clock, settings) => new MemoryBroker({ ...settings, historyMaxBytes: 64 * 1024, clock }));

describe("MemoryBroker", () => {
  const brokers: MemoryBroker[] = [];
  const controllers: AbortController[] = [];

  const newBroker = (options: MemoryBrokerOptions = {}): MemoryBroker => {
    const broker = new MemoryBroker(options);
    brokers.push(broker);
    return broker;
  };

  const newSignal = (): AbortController => {
    const controller = new AbortController();
    controllers.push(controller);
    return controller;
  };

  afterEach(async () => {
    for (const controller of controllers.splice(0)) controller.abort();
    await Promise.all(brokers.splice(0).map((broker) => broker.close()));
  });

  const say = (broker: MemoryBroker, roomId: RoomId, text: string): Promise<ChatMessage> =>
    broker.publish(roomId, { kind: "user", username: "alice", text });

  const sayAll = async (broker: MemoryBroker, roomId: RoomId, texts: readonly string[]): Promise<ChatMessage[]> => {
    const published: ChatMessage[] = [];
    for (const text of texts) published.push(await say(broker, roomId, text));
    return published;
  };

  /** Reads exactly `count` messages of a stream. */
  const read = async (stream: AsyncIterable<ChatEvent>, count: number): Promise<string[]> => {
    const iterator = stream[Symbol.asyncIterator]();
    const texts: string[] = [];
    while (texts.length < count) {
      const result = await iterator.next();
      if (result.done === true) throw new Error(`The stream ended after ${texts.length} of ${count} messages.`);
      texts.push(textOf(result.value));
    }
    return texts;
  };

  /** Whether the broker still holds `roomId`'s history (an evicted room comes back empty). */
  const retains = async (broker: MemoryBroker, roomId: RoomId): Promise<boolean> =>
    (await broker.history(roomId, 1)).length > 0;

  describe("history", () => {
    it("keeps only the last historySize messages of a room", async () => {
      const broker = newBroker({ historySize: 3 });
      await sayAll(broker, "r", ["1", "2", "3", "4", "5"]);
      expect((await broker.history("r", 50)).map((m) => m.text)).toEqual(["3", "4", "5"]);
      expect(await read(broker.messages("r", null, newSignal().signal), 3)).toEqual(["3", "4", "5"]);
    });

    it("replays every retained message after a gap notice for a lastEventId older than the retained history", async () => {
      const broker = newBroker({ historySize: 3 });
      const [expired] = await sayAll(broker, "r", ["1", "2", "3", "4", "5"]);
      if (expired === undefined) throw new Error("nothing published");
      const stream = broker.messages("r", expired.id, newSignal().signal);
      await say(broker, "r", "6");
      expect(await read(stream, 5)).toEqual([GAP_NOTICE_TEXT, "3", "4", "5", "6"]);
    });

    it("replays every retained message after a gap notice for an id of an earlier broker instance", async () => {
      const clock = new ManualClock(1_700_000_000_000);
      const earlier = newBroker({ clock });
      const old = await sayAll(earlier, "r", ["o1", "o2", "o3", "o4", "o5"]);
      const lastOld = old.at(-1);
      if (lastOld === undefined) throw new Error("nothing published");
      // A restarted process: a later start, so a new epoch, and a seq counting from 1 again.
      clock.advance(5_000);
      const later = newBroker({ clock });
      await sayAll(later, "r", ["n1", "n2", "n3"]);
      const stream = later.messages("r", lastOld.id, newSignal().signal);
      await say(later, "r", "n4");
      expect(await read(stream, 5)).toEqual([GAP_NOTICE_TEXT, "n1", "n2", "n3", "n4"]);
    });
  });

  describe("history byte budget", () => {
    /** A message of about 4 KB of memory: 2,000 characters, two bytes each, and the overhead. */
    const long = (n: number): string => `${n} ${"x".repeat(1990)}`;

    it("holds at most historyMaxBytes of history, evicting idle rooms first, least recently active first", async () => {
      const clock = new ManualClock();
      const broker = newBroker({ historyMaxBytes: 400_000, clock });
      const busy = broker.messages("busy", null, newSignal().signal)[Symbol.asyncIterator]();
      for (let room = 0; room < 50; room++) {
        for (let n = 0; n < 5; n++) await broker.publish(`idle-${room}`, { kind: "user", username: "a", text: long(n) });
        await broker.publish("busy", { kind: "user", username: "a", text: long(room) });
        clock.advance(1000);
      }
      expect(broker.stats().historyBytes).toBeLessThanOrEqual(400_000);
      // The room being read kept all 50; the oldest idle rooms went, the newest stayed.
      expect(await broker.history("busy", 100)).toHaveLength(50);
      expect(await broker.history("idle-0", 10)).toEqual([]);
      expect(await broker.history("idle-49", 10)).toHaveLength(5);
      await busy.return?.();
    });

    it("drops the oldest messages of rooms in use once no idle room is left, and a reader resuming from one is told", async () => {
      const broker = newBroker({ historyMaxBytes: 100_000 });
      const signal = newSignal().signal;
      const first = await broker.publish("only", { kind: "user", username: "a", text: long(0) });
      broker.messages("only", null, signal);
      for (let n = 1; n < 60; n++) await broker.publish("only", { kind: "user", username: "a", text: long(n) });
      expect(broker.stats().historyBytes).toBeLessThanOrEqual(100_000);
      const kept = await broker.history("only", 100);
      expect(kept.length).toBeGreaterThan(10);
      expect(kept.length).toBeLessThan(60);
      expect((await read(broker.messages("only", first.id, signal), 1))[0]).toBe(GAP_NOTICE_TEXT);
    });
  });

  describe("room eviction", () => {
    it("counts the rooms it holds, including rooms that were only read", async () => {
      const broker = newBroker();
      expect(broker.stats()).toMatchObject({ rooms: 0, streams: 0, historyBytes: 0 });
      await say(broker, "a", "hi");
      await broker.addMember("b", "alice", "conn-1");
      broker.messages("c", null, newSignal().signal);
      broker.presence("c", newSignal().signal);
      expect(broker.stats()).toMatchObject({ rooms: 3, streams: 2 });
    });

    it("evicts idle empty rooms, least recently active first, when a new room would pass maxRooms", async () => {
      const clock = new ManualClock(1_700_000_000_000);
      const broker = newBroker({ maxRooms: 5, clock });
      for (const roomId of ["r1", "r2", "r3", "r4", "r5"]) {
        await say(broker, roomId, `in ${roomId}`);
        clock.advance(10);
      }
      // Activity in r1 makes r2 the least recently active room.
      await say(broker, "r1", "still here");
      clock.advance(10);
      expect(broker.stats().rooms).toBe(5);

      await say(broker, "r6", "new");
      expect(broker.stats().rooms).toBe(5);
      expect(await retains(broker, "r2")).toBe(false);
      for (const roomId of ["r1", "r3", "r4", "r5", "r6"]) expect(await retains(broker, roomId)).toBe(true);

      clock.advance(10);
      await say(broker, "r7", "new");
      expect(broker.stats().rooms).toBe(5);
      expect(await retains(broker, "r3")).toBe(false);
      for (const roomId of ["r1", "r4", "r5", "r6", "r7"]) expect(await retains(broker, roomId)).toBe(true);
    });

    it("evicts down to 90% of maxRooms at once, so it does not run for every new room", async () => {
      const clock = new ManualClock(1_700_000_000_000);
      const broker = newBroker({ maxRooms: 20, clock });
      for (let index = 0; index < 20; index++) {
        await say(broker, `r${index}`, "hi");
        clock.advance(10);
      }
      await say(broker, "new", "hi");
      // Down to 18, then the new room: the two oldest went.
      expect(broker.stats().rooms).toBe(19);
      expect(await retains(broker, "r0")).toBe(false);
      expect(await retains(broker, "r1")).toBe(false);
      expect(await retains(broker, "r2")).toBe(true);
    });

    it("never evicts a room with members or an open stream, however long idle", async () => {
      const clock = new ManualClock(1_700_000_000_000);
      const broker = newBroker({ maxRooms: 3, clock });
      await broker.addMember("members", "alice", "conn-1");
      await say(broker, "members", "kept");
      const reader = broker.messages("read", null, newSignal().signal);
      await say(broker, "read", "kept");
      await say(broker, "idle", "dropped");
      for (let index = 0; index < 10; index++) {
        clock.advance(60_000);
        await say(broker, `filler${index}`, "hi");
        expect(broker.stats().rooms).toBe(3);
      }
      expect(await retains(broker, "members")).toBe(true);
      expect(await retains(broker, "idle")).toBe(false);
      expect(await broker.members("members")).toEqual([{ username: "alice" }]);
      await say(broker, "read", "live");
      expect(await read(reader, 2)).toEqual(["kept", "live"]);
    });

    it("neither creates a room nor keeps an idle one from eviction for a typing signal", async () => {
      const clock = new ManualClock(1_700_000_000_000);
      const broker = newBroker({ maxRooms: 3, clock });
      await broker.typing("nobody-here", "alice");
      expect(broker.stats().rooms).toBe(0);
      for (const roomId of ["r1", "r2", "r3"]) {
        await say(broker, roomId, "hi");
        clock.advance(10);
      }
      // Were typing activity, r2 would now be the least recently active room instead of r1.
      await broker.typing("r1", "alice");
      await say(broker, "r4", "new");
      expect(await retains(broker, "r1")).toBe(false);
      expect(await retains(broker, "r2")).toBe(true);
    });

    it("keeps every room in use even past maxRooms", async () => {
      const broker = newBroker({ maxRooms: 2 });
      for (const roomId of ["a", "b", "c", "d"]) await broker.addMember(roomId, "alice", "conn-1");
      expect(broker.stats().rooms).toBe(4);
      expect((await broker.listRooms()).map((room) => room.roomId).sort()).toEqual(["a", "b", "c", "d"]);
    });

    it("evicts a room once its last member has left and its last stream has ended", async () => {
      const clock = new ManualClock(1_700_000_000_000);
      const broker = newBroker({ maxRooms: 2, clock });
      await broker.addMember("busy", "alice", "conn-1");
      const controller = newSignal();
      broker.messages("busy", null, controller.signal);
      await say(broker, "busy", "hi");
      clock.advance(10);
      await say(broker, "other", "hi");
      clock.advance(10);
      await say(broker, "third", "hi");
      expect(await retains(broker, "busy")).toBe(true);

      await broker.removeMember("busy", "alice", "conn-1");
      clock.advance(10);
      await say(broker, "fourth", "hi");
      expect(await retains(broker, "busy")).toBe(true);

      // Once idle, it ages like any other room: gone within the next two new rooms.
      clock.advance(10);
      controller.abort();
      for (const roomId of ["fifth", "sixth"]) {
        clock.advance(10);
        await say(broker, roomId, "hi");
      }
      expect(await retains(broker, "busy")).toBe(false);
    });

    it("does not mistake a message id from an evicted room's earlier life for a position in its new one", async () => {
      const clock = new ManualClock(1_700_000_000_000);
      const broker = newBroker({ maxRooms: 2, clock });
      const earlierLife = await sayAll(broker, "x", ["old1", "old2", "old3"]);
      clock.advance(10);
      await say(broker, "y", "hi");
      clock.advance(10);
      await say(broker, "z", "hi");
      expect(await retains(broker, "x")).toBe(false);

      const newLife = await sayAll(broker, "x", ["new1", "new2", "new3", "new4", "new5"]);
      const earlierIds = new Set(earlierLife.map((message) => message.id));
      for (const message of newLife) expect(earlierIds.has(message.id)).toBe(false);
      const lastOld = earlierLife.at(-1);
      if (lastOld === undefined) throw new Error("nothing published");
      const stream = broker.messages("x", lastOld.id, newSignal().signal);
      // The room cannot tell what its earlier life held after that id, so it says there may be a gap.
      expect(await read(stream, 6)).toEqual([GAP_NOTICE_TEXT, "new1", "new2", "new3", "new4", "new5"]);
    });
  });

  describe("client message ids", () => {
    const withId = (broker: MemoryBroker, roomId: RoomId, text: string, clientMessageId: string): Promise<ChatMessage> =>
      broker.publish(roomId, { kind: "user", username: "alice", text }, { clientMessageId });

    it("forgets a room's oldest id early once it holds clientIdsPerRoom, and only in that room", async () => {
      const broker = newBroker({ clientIdsPerRoom: 2 });
      const first = await withId(broker, "r", "1", "id-1");
      const elsewhere = await withId(broker, "other", "x", "id-1");
      await withId(broker, "r", "2", "id-2");
      await withId(broker, "r", "3", "id-3");
      const [second, other, again] = [
        await withId(broker, "r", "2 again", "id-2"),
        await withId(broker, "other", "x again", "id-1"),
        await withId(broker, "r", "1 again", "id-1"),
      ];
      expect(again.id).not.toBe(first.id);
      expect(second.text).toBe("2");
      expect(other).toEqual(elsewhere);
    });

    it("returns the stored message for a retry even after the history has dropped it", async () => {
      const broker = newBroker({ historySize: 2 });
      const first = await withId(broker, "r", "first", "id-1");
      await sayAll(broker, "r", ["2", "3"]);
      expect(await withId(broker, "r", "first", "id-1")).toEqual(first);
      expect((await broker.history("r", 10)).map((m) => m.text)).toEqual(["2", "3"]);
    });

    it("forgets the ids of an evicted room along with its history", async () => {
      const clock = new ManualClock(1_700_000_000_000);
      const broker = newBroker({ maxRooms: 2, clock });
      const first = await withId(broker, "x", "hello", "id-1");
      for (const roomId of ["y", "z"]) {
        clock.advance(10);
        await say(broker, roomId, "hi");
      }
      expect(await retains(broker, "x")).toBe(false);
      expect((await withId(broker, "x", "hello", "id-1")).id).not.toBe(first.id);
    });
  });

  describe("close", () => {
    it("drops every room and stream when it closes", async () => {
      const broker = newBroker();
      await say(broker, "a", "hi");
      broker.messages("a", null, newSignal().signal);
      broker.presence("b", newSignal().signal);
      await broker.close();
      expect(broker.stats()).toMatchObject({ rooms: 0, streams: 0, historyBytes: 0 });
      expect(await broker.history("a", 10)).toEqual([]);
    });
  });
});
