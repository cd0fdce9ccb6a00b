/**
 * The presence half of the broker contract: who holds a name in a room, the stream of joins,
 * leaves and typing signals, the room listing built from it, and what closing the broker does to
 * open streams.
 */
import { describe, expect, it } from "vitest";
import { type BrokerHarness, draft, names, read } from "./broker-harness.js";

/** Takes the harness, not a factory, so all sections share one broker per test and one set of hooks. */
export function describePresenceContract(harness: BrokerHarness): void {
  const { newRoom, newSignal, subscribe, watchPresence, publishAll, closeBroker } = harness;

  describe("presence", () => {
    it("reports a name as arriving only for its first holder", async () => {
      const roomId = newRoom();
      expect(await harness.broker.addMember(roomId, "alice", "conn-1")).toBe(true);
      expect(await harness.broker.addMember(roomId, "alice", "conn-2")).toBe(false);
      expect(await harness.broker.addMember(roomId, "bob", "conn-1")).toBe(true);
      expect(names(await harness.broker.members(roomId))).toEqual(["alice", "bob"]);
    });

    it("reports a name as gone only when its last holder leaves", async () => {
      const roomId = newRoom();
      await harness.broker.addMember(roomId, "alice", "conn-1");
      await harness.broker.addMember(roomId, "alice", "conn-2");
      expect(await harness.broker.removeMember(roomId, "alice", "conn-1")).toBe(false);
      expect(names(await harness.broker.members(roomId))).toEqual(["alice"]);
      expect(await harness.broker.removeMember(roomId, "alice", "conn-2")).toBe(true);
      expect(await harness.broker.members(roomId)).toEqual([]);
    });

    it("reports nothing gone when a connection that holds nothing leaves", async () => {
      const roomId = newRoom();
      await harness.broker.addMember(roomId, "alice", "conn-1");
      expect(await harness.broker.removeMember(roomId, "alice", "conn-2")).toBe(false);
      expect(await harness.broker.removeMember(roomId, "bob", "conn-1")).toBe(false);
      expect(await harness.broker.removeMember(newRoom(), "alice", "conn-1")).toBe(false);
      expect(names(await harness.broker.members(roomId))).toEqual(["alice"]);
      expect(await harness.broker.removeMember(roomId, "alice", "conn-1")).toBe(true);
      expect(await harness.broker.removeMember(roomId, "alice", "conn-1")).toBe(false);
    });

    it("keeps members per room", async () => {
      const roomA = newRoom();
      const roomB = newRoom();
      expect(await harness.broker.addMember(roomA, "alice", "conn-1")).toBe(true);
      expect(await harness.broker.addMember(roomB, "alice", "conn-1")).toBe(true);
      await harness.broker.addMember(roomB, "bob", "conn-2");
      expect(await harness.broker.removeMember(roomA, "alice", "conn-1")).toBe(true);
      expect(await harness.broker.members(roomA)).toEqual([]);
      expect(names(await harness.broker.members(roomB))).toEqual(["alice", "bob"]);
    });

    it("starts a presence stream with a snapshot of the members", async () => {
      const roomId = newRoom();
      await harness.broker.addMember(roomId, "alice", "conn-1");
      await harness.broker.addMember(roomId, "bob", "conn-2");
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
      await harness.broker.addMember(roomId, "alice", "conn-1");
      const stream = watchPresence(roomId);
      await harness.broker.addMember(roomId, "bob", "conn-2");
      await harness.broker.addMember(roomId, "bob", "conn-3");
      await harness.broker.removeMember(roomId, "bob", "conn-2");
      await harness.broker.removeMember(roomId, "alice", "conn-1");
      await harness.broker.removeMember(roomId, "bob", "conn-3");
      await harness.broker.addMember(roomId, "carol", "conn-4");
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
        for (let index = 0; index < 20; index++) await harness.broker.addMember(roomId, `user${index}`, `conn-${index}`);
      })();
      for (let tick = 0; tick < 10; tick++) await Promise.resolve();
      const stream = watchPresence(roomId);
      await joining;
      await harness.broker.addMember(roomId, "end", "conn-end");
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
      await harness.broker.addMember(roomB, "bob", "conn-1");
      await harness.broker.addMember(roomA, "alice", "conn-1");
      expect(await read(stream, 2)).toEqual([
        { type: "snapshot", roomId: roomA, members: [] },
        { type: "join", roomId: roomA, username: "alice" },
      ]);
    });

    it("follows the snapshot with a typing event when someone signals typing", async () => {
      const roomId = newRoom();
      await harness.broker.addMember(roomId, "alice", "conn-1");
      const stream = watchPresence(roomId);
      await harness.broker.typing(roomId, "alice");
      await harness.broker.addMember(roomId, "bob", "conn-2");
      expect(await read(stream, 3)).toEqual([
        { type: "snapshot", roomId, members: [{ username: "alice" }] },
        { type: "typing", roomId, username: "alice" },
        { type: "join", roomId, username: "bob" },
      ]);
    });

    it("shows typing events only to readers of their own room", async () => {
      const roomA = newRoom();
      const roomB = newRoom();
      const streamA = watchPresence(roomA);
      const streamB = watchPresence(roomB);
      await harness.broker.typing(roomB, "bob");
      await harness.broker.typing(roomA, "alice");
      expect(await read(streamA, 2)).toEqual([
        { type: "snapshot", roomId: roomA, members: [] },
        { type: "typing", roomId: roomA, username: "alice" },
      ]);
      expect(await read(streamB, 2)).toEqual([
        { type: "snapshot", roomId: roomB, members: [] },
        { type: "typing", roomId: roomB, username: "bob" },
      ]);
    });

    it("changes neither members, history nor the room list when someone signals typing", async () => {
      const roomId = newRoom();
      const unused = newRoom();
      await harness.broker.addMember(roomId, "alice", "conn-1");
      const said = await publishAll(roomId, "alice", ["hi"]);
      await harness.broker.typing(roomId, "alice");
      await harness.broker.typing(roomId, "mallory");
      await harness.broker.typing(unused, "alice");
      expect(names(await harness.broker.members(roomId))).toEqual(["alice"]);
      expect(await harness.broker.history(roomId, 10)).toEqual(said);
      expect(await harness.broker.members(unused)).toEqual([]);
      expect(await harness.broker.history(unused, 10)).toEqual([]);
      const ours = new Set([roomId, unused]);
      const listed = (await harness.broker.listRooms()).filter((room) => ours.has(room.roomId));
      expect(listed).toEqual([{ roomId, members: 1 }]);
    });

    it("ends a presence stream when its signal aborts and stops counting it", async () => {
      const roomId = newRoom();
      const baseline = harness.broker.stats().streams;
      const controller = newSignal();
      const stream = harness.broker.presence(roomId, controller.signal)[Symbol.asyncIterator]();
      await read(stream, 1);
      await expect.poll(() => harness.broker.stats().streams).toBe(baseline + 1);
      const pending = stream.next();
      controller.abort();
      expect(await pending).toEqual({ value: undefined, done: true });
      await expect.poll(() => harness.broker.stats().streams).toBe(baseline);
    });
  });

  describe("rooms", () => {
    it("lists the rooms that have members, with how many, busiest first", async () => {
      const quiet = newRoom();
      const busy = newRoom();
      const empty = newRoom();
      const left = newRoom();
      await harness.broker.addMember(quiet, "alice", "conn-1");
      await harness.broker.addMember(busy, "alice", "conn-1");
      await harness.broker.addMember(busy, "bob", "conn-2");
      await harness.broker.addMember(busy, "bob", "conn-3");
      await harness.broker.addMember(busy, "carol", "conn-4");
      await harness.broker.publish(empty, draft("nobody", "hello?"));
      await harness.broker.addMember(left, "dave", "conn-5");
      await harness.broker.removeMember(left, "dave", "conn-5");
      const ours = new Set([quiet, busy, empty, left]);
      const listed = (await harness.broker.listRooms()).filter((room) => ours.has(room.roomId));
      expect(listed).toEqual([
        { roomId: busy, members: 3 },
        { roomId: quiet, members: 1 },
      ]);
    });
  });

  describe("close", () => {
    it("ends every open stream when the broker closes", async () => {
      const roomId = newRoom();
      await harness.broker.addMember(roomId, "alice", "conn-1");
      const messages = subscribe(roomId);
      const presence = watchPresence(roomId);
      await read(presence, 1);
      const pendingMessage = messages.next();
      const pendingPresence = presence.next();
      await closeBroker();
      expect(await pendingMessage).toEqual({ value: undefined, done: true });
      expect(await pendingPresence).toEqual({ value: undefined, done: true });
      expect(harness.broker.stats().streams).toBe(0);
    });
  });
}
