/**
 * The gap half of the broker contract: a reader that resumes from a position the room cannot
 * continue from exactly is told so by one gap notice before everything retained, and a reader
 * that can be placed never is. Through `ChatBroker` alone, so a Redis broker answers it too.
 */
import { describe, expect, it } from "vitest";
import type { ChatBroker } from "../domain/broker.js";
import { ManualClock } from "../domain/clock.js";
import type { ChatEvent, ChatMessage, RoomId } from "../schema.js";
import { type BrokerHarness, draft, read, readUntilText, textsOf } from "./broker-harness.js";

/** Takes the harness, not a factory, so all sections share one broker per test and one set of hooks. */
export function describeGapContract(harness: BrokerHarness): void {
  const { newRoom, newSignal, publishAll } = harness;

  /** What `broker` yields to a reader resuming after `afterId`, up to a message "end" published now. */
  const resumeUntilEnd = async (broker: ChatBroker, roomId: RoomId, afterId: string | null | undefined): Promise<ChatEvent[]> => {
    const stream = broker.messages(roomId, afterId, newSignal().signal)[Symbol.asyncIterator]();
    await broker.publish(roomId, draft("alice", "end"));
    return readUntilText(stream, "end");
  };

  /** The gap notice at the head of `seen`, checked for the shape every notice has. */
  const noticeOf = (seen: readonly ChatEvent[], roomId: RoomId): ChatEvent => {
    const [notice] = seen;
    expect(notice).toEqual({
      id: expect.any(String),
      roomId,
      kind: "gap",
      username: "",
      text: expect.stringMatching(/\S/),
      sentAt: expect.any(Date),
      editedAt: null,
      deleted: false,
      replyTo: null,
      mentions: [],
      reactions: [],
    });
    if (notice === undefined) throw new Error("no notice");
    return notice;
  };

  /** How many gap notices `seen` holds: exactly one, or none, is what the sentences promise. */
  const gapsIn = (seen: readonly ChatEvent[]): number => seen.filter((message) => message.kind === "gap").length;

  describe("gap notices", () => {
    it("yields one gap notice, then every retained message, for an id of another broker process", async () => {
      const roomId = newRoom();
      // An earlier start stands for the process before a restart: another epoch.
      const earlier = await harness.extraBroker(new ManualClock(harness.clock.now() - 60_000));
      const old = await earlier.publish(roomId, draft("alice", "before the restart"));
      await publishAll(roomId, "alice", ["1", "2", "3"]);
      const seen = await resumeUntilEnd(harness.broker, roomId, old.id);
      noticeOf(seen, roomId);
      expect(textsOf(seen.slice(1))).toEqual(["1", "2", "3", "end"]);
      expect(gapsIn(seen)).toBe(1);
    });

    it("yields one gap notice, then every retained message, for an id older than the retained history", async () => {
      const roomId = newRoom();
      const small = await harness.extraBroker(harness.clock, { historySize: 3 });
      const expired = await publishOn(small, roomId, "1");
      for (const text of ["2", "3", "4", "5"]) await publishOn(small, roomId, text);
      const seen = await resumeUntilEnd(small, roomId, expired.id);
      noticeOf(seen, roomId);
      expect(textsOf(seen.slice(1))).toEqual(["3", "4", "5", "end"]);
      expect(gapsIn(seen)).toBe(1);
    });

    it("resumes from a gap notice's id with every retained message, no notice and no duplicate", async () => {
      const roomId = newRoom();
      const small = await harness.extraBroker(harness.clock, { historySize: 3 });
      const expired = await publishOn(small, roomId, "1");
      for (const text of ["2", "3", "4", "5"]) await publishOn(small, roomId, text);
      const first = small.messages(roomId, expired.id, newSignal().signal)[Symbol.asyncIterator]();
      const notice = noticeOf(await read(first, 1), roomId);
      // A reader whose connection dropped right after the notice resumes from its id.
      const seen = await resumeUntilEnd(small, roomId, notice.id);
      expect(textsOf(seen)).toEqual(["3", "4", "5", "end"]);
    });

    it("resumes from a gap notice's id in a room that had nothing, without another notice", async () => {
      const roomId = newRoom();
      const seen = harness.broker.messages(roomId, "garbage", newSignal().signal)[Symbol.asyncIterator]();
      const first = await seen.next();
      if (first.done === true) throw new Error("the stream ended");
      expect(first.value.kind).toBe("gap");
      const stream = harness.broker.messages(roomId, first.value.id, newSignal().signal)[Symbol.asyncIterator]();
      await publishAll(roomId, "alice", ["1", "end"]);
      expect(textsOf(await readUntilText(stream, "end"))).toEqual(["1", "end"]);
    });

    it.each([
      ["garbage", () => "garbage"],
      ["a dash alone", () => "-"],
      ["a 64-character string", () => "x".repeat(64)],
    ])("yields a gap notice first when lastEventId is %s", async (_label, lastEventId) => {
      const roomId = newRoom();
      await publishAll(roomId, "alice", ["1", "2"]);
      const seen = await resumeUntilEnd(harness.broker, roomId, lastEventId());
      noticeOf(seen, roomId);
      expect(textsOf(seen.slice(1))).toEqual(["1", "2", "end"]);
    });

    it("yields a gap notice first when lastEventId is another room's message", async () => {
      const roomId = newRoom();
      await publishAll(roomId, "alice", ["1"]);
      const [foreign] = await publishAll(newRoom(), "bob", ["elsewhere"]);
      await publishAll(roomId, "alice", ["2"]);
      if (foreign === undefined) throw new Error("no message in the other room");
      const seen = await resumeUntilEnd(harness.broker, roomId, foreign.id);
      noticeOf(seen, roomId);
      expect(textsOf(seen.slice(1))).toEqual(["1", "2", "end"]);
    });

    it.each([
      ["null", null],
      ["undefined", undefined],
      ["the empty string", ""],
    ])("yields no gap notice to a fresh reader (lastEventId %s)", async (_label, lastEventId) => {
      const roomId = newRoom();
      await publishAll(roomId, "alice", ["1", "2"]);
      expect(textsOf(await resumeUntilEnd(harness.broker, roomId, lastEventId))).toEqual(["1", "2", "end"]);
    });

    it("yields no gap notice when resumed from a message the room holds", async () => {
      const roomId = newRoom();
      const published = await publishAll(roomId, "alice", ["1", "2", "3"]);
      const streams = published.map((message) => harness.broker.messages(roomId, message.id, newSignal().signal)[Symbol.asyncIterator]());
      await harness.broker.publish(roomId, draft("alice", "end"));
      for (const [index, stream] of streams.entries()) {
        expect(textsOf(await readUntilText(stream, "end"))).toEqual([...textsOf(published.slice(index + 1)), "end"]);
      }
    });

    it("replays only the newest replayLimit messages to a fresh reader, without a notice", async () => {
      const roomId = newRoom();
      const limited = await harness.extraBroker(harness.clock, { replayLimit: 3 });
      for (const text of ["1", "2", "3", "4", "5"]) await publishOn(limited, roomId, text);
      expect(textsOf(await resumeUntilEnd(limited, roomId, null))).toEqual(["3", "4", "5", "end"]);
    });

    it("replays a reader that missed no more than replayLimit exactly what it missed, without a notice", async () => {
      const roomId = newRoom();
      const limited = await harness.extraBroker(harness.clock, { replayLimit: 3 });
      const seen = await publishOn(limited, roomId, "1");
      for (const text of ["2", "3"]) await publishOn(limited, roomId, text);
      expect(textsOf(await resumeUntilEnd(limited, roomId, seen.id))).toEqual(["2", "3", "end"]);
    });

    it("gives a reader that missed more than replayLimit one gap notice, then the newest replayLimit, and resuming from the notice repeats nothing", async () => {
      const roomId = newRoom();
      const limited = await harness.extraBroker(harness.clock, { replayLimit: 3 });
      const seen = await publishOn(limited, roomId, "1");
      for (const text of ["2", "3", "4", "5", "6"]) await publishOn(limited, roomId, text);
      const first = limited.messages(roomId, seen.id, newSignal().signal)[Symbol.asyncIterator]();
      const replayed = await read(first, 4);
      const notice = noticeOf(replayed, roomId);
      expect(textsOf(replayed.slice(1))).toEqual(["4", "5", "6"]);
      expect(gapsIn(replayed)).toBe(1);
      expect(textsOf(await resumeUntilEnd(limited, roomId, notice.id))).toEqual(["4", "5", "6", "end"]);
    });

    it("never stores a gap notice: history and later readers do not see it", async () => {
      const roomId = newRoom();
      await publishAll(roomId, "alice", ["1"]);
      const seen = await resumeUntilEnd(harness.broker, roomId, "garbage");
      expect(gapsIn(seen)).toBe(1);
      expect((await harness.broker.history(roomId, 50)).map((m) => m.kind)).toEqual(["user", "user"]);
      expect(gapsIn(await resumeUntilEnd(harness.broker, roomId, null))).toBe(0);
    });
  });
}

/** Publishes one user message on `broker`, which may be another than the harness's. */
function publishOn(broker: ChatBroker, roomId: RoomId, text: string): Promise<ChatMessage> {
  return broker.publish(roomId, draft("alice", text));
}
