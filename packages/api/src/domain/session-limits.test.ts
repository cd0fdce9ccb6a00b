import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sessionDeps } from "../testing/session-deps.js";
import { ChatSession, type SessionLimits } from "./chat-session.js";
import { ManualClock } from "./clock.js";
import { ChatError } from "./errors.js";
import { MemoryBroker } from "./memory-broker.js";

/** The error `call` fails with, which must be a `ChatError`. */
async function chatErrorOf(call: Promise<unknown> | (() => unknown)): Promise<ChatError> {
  const error: unknown = await Promise.resolve()
    .then(() => (typeof call === "function" ? call() : call))
    .then(
      () => new Error("expected a ChatError, but the call succeeded"),
      (reason: unknown) => reason,
    );
  if (!(error instanceof ChatError)) throw error;
  return error;
}

describe("ChatSession limits", () => {
  let clock: ManualClock;
  let broker: MemoryBroker;
  let sessions = 0;

  const newSession = (limits: Partial<SessionLimits> = {}): ChatSession =>
    new ChatSession(`conn-${++sessions}`, sessionDeps(broker, clock, { burst: 100, perSecond: 100 }), limits);

  /** Joins `rooms` one after the other as alice. */
  const joinAll = async (session: ChatSession, rooms: readonly string[]): Promise<void> => {
    for (const roomId of rooms) await session.join(roomId, "alice");
  };

  beforeEach(() => {
    clock = new ManualClock(1_700_000_000_000);
    broker = new MemoryBroker({ clock });
  });

  afterEach(async () => {
    await broker.close();
  });

  describe("typing rate", () => {
    it("refuses a typing flood past the burst with RATE_LIMITED and a sentence saying when to retry", async () => {
      const session = newSession({ typingRate: { burst: 3, perSecond: 1 } });
      await session.join("a", "alice");
      for (let call = 0; call < 3; call++) await session.typing("a");
      const error = await chatErrorOf(session.typing("a"));
      expect(error.reason).toBe("RATE_LIMITED");
      expect(error.retryAfterMs).toBe(1000);
      expect(error.message).toBe("You are signalling typing too fast; try again in 1.0 s.");
    });

    it("never refuses a client that signals once per interval, as the web app does, by default", async () => {
      const session = newSession();
      await session.join("a", "alice");
      for (let signal = 0; signal < 100; signal++) {
        await session.typing("a");
        clock.advance(2000);
      }
    });
  });

  describe("join rate", () => {
    const slow = { joinRate: { burst: 3, perSecond: 1 } };

    it("refuses a join past the burst with RATE_LIMITED, the delay, and a sentence saying when to retry", async () => {
      const session = newSession(slow);
      await joinAll(session, ["a", "b", "c"]);
      const error = await chatErrorOf(session.join("d", "alice"));
      expect(error.reason).toBe("RATE_LIMITED");
      expect(error.retryAfterMs).toBe(1000);
      expect(error.message).toBe("You are joining rooms too fast; try again in 1.0 s.");
      expect(session.joined.has("d")).toBe(false);
      expect(await broker.members("d")).toEqual([]);
    });

    it("takes no token for a refused join, so waiting the promised delay is enough", async () => {
      const session = newSession(slow);
      await joinAll(session, ["a", "b", "c"]);
      const first = await chatErrorOf(session.join("d", "alice"));
      for (let retry = 0; retry < 5; retry++) expect((await chatErrorOf(session.join("d", "alice"))).retryAfterMs).toBe(1000);
      clock.advance(first.retryAfterMs ?? Number.NaN);
      expect((await session.join("d", "alice")).roomId).toBe("d");
    });

    it("charges a re-join under the same name a token, as its answer costs what a join's does, and refuses it once spent", async () => {
      const session = newSession(slow);
      await session.join("a", "alice");
      await session.join("a", "alice");
      await session.join("a", "alice");
      const refused = await chatErrorOf(session.join("a", "alice"));
      expect(refused.reason).toBe("RATE_LIMITED");
      // Refused, it is still in the room under its name.
      expect(session.joined.get("a")).toBe("alice");
    });

    it("takes no token for a join refused under a second name", async () => {
      const session = newSession(slow);
      await session.join("a", "alice");
      for (let again = 0; again < 5; again++) expect((await chatErrorOf(session.join("a", "bob"))).reason).toBe("NAME_CONFLICT");
      await joinAll(session, ["b", "c"]);
    });

    it("refills the join budget at joinRate.perSecond", async () => {
      const session = newSession({ joinRate: { burst: 2, perSecond: 2 } });
      await joinAll(session, ["a", "b"]);
      clock.advance(500);
      await session.join("c", "alice");
      expect((await chatErrorOf(session.join("d", "alice"))).retryAfterMs).toBe(500);
    });

    it("keeps the join and send budgets apart", async () => {
      const session = new ChatSession("conn-x", sessionDeps(broker, clock, { burst: 1, perSecond: 1 }), { joinRate: { burst: 1, perSecond: 1 } });
      await session.join("a", "alice");
      expect((await chatErrorOf(session.join("b", "alice"))).message).toMatch(/joining rooms too fast/);
      expect((await session.send("a", "still sending")).text).toBe("still sending");
      expect((await chatErrorOf(session.send("a", "too much"))).message).toMatch(/sending too fast/);
    });

    it("allows 10 joins at once and one a second by default", async () => {
      const session = newSession();
      await joinAll(session, Array.from({ length: 10 }, (_, index) => `room-${index}`));
      expect((await chatErrorOf(session.join("one-more", "alice"))).retryAfterMs).toBe(1000);
    });
  });

  describe("rooms per connection", () => {
    const roomy = { joinRate: { burst: 1000, perSecond: 1 } };

    it("refuses a 21st room by default with ROOM_LIMIT and a sentence saying what to do", async () => {
      const session = newSession(roomy);
      await joinAll(session, Array.from({ length: 20 }, (_, index) => `room-${index}`));
      const error = await chatErrorOf(session.join("room-20", "alice"));
      expect(error.reason).toBe("ROOM_LIMIT");
      expect(error.message).toBe("You are in 20 rooms, the most one connection may be in; leave one first.");
      expect(error.retryAfterMs).toBeUndefined();
      expect(session.joined.size).toBe(20);
      expect(await broker.members("room-20")).toEqual([]);
    });

    it("says 1 room, not 1 rooms", async () => {
      const session = newSession({ ...roomy, maxRooms: 1 });
      await session.join("a", "alice");
      expect((await chatErrorOf(session.join("b", "alice"))).message).toBe("You are in 1 room, the most one connection may be in; leave one first.");
    });

    it("makes room for a new join once one is left", async () => {
      const session = newSession({ ...roomy, maxRooms: 2 });
      await joinAll(session, ["a", "b"]);
      await chatErrorOf(session.join("c", "alice"));
      await session.leave("a");
      expect((await session.join("c", "alice")).roomId).toBe("c");
    });

    it("still lets a re-join of a room already joined through at the limit", async () => {
      const session = newSession({ ...roomy, maxRooms: 2 });
      await joinAll(session, ["a", "b"]);
      expect((await session.join("b", "alice")).roomId).toBe("b");
    });

    it("takes no join token for a join refused by the room limit", async () => {
      const session = newSession({ joinRate: { burst: 3, perSecond: 1 }, maxRooms: 2 });
      await joinAll(session, ["a", "b"]);
      for (let retry = 0; retry < 5; retry++) expect((await chatErrorOf(session.join("c", "alice"))).reason).toBe("ROOM_LIMIT");
      await session.leave("a");
      // The third and last token is still there.
      expect((await session.join("c", "alice")).roomId).toBe("c");
    });

    it("counts joins still in flight, so concurrent joins cannot overshoot the limit", async () => {
      const session = newSession({ ...roomy, maxRooms: 2 });
      const outcomes = await Promise.allSettled(["a", "b", "c", "d"].map((roomId) => session.join(roomId, "alice")));
      expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(2);
      expect(session.joined.size).toBe(2);
    });
  });

  describe("subscriptions per connection", () => {
    it("refuses a subscription past the limit with SUBSCRIPTION_LIMIT and a sentence saying what to do", async () => {
      const session = newSession({ maxSubscriptions: 3 });
      for (let open = 0; open < 3; open++) session.openSubscription(new AbortController().signal);
      const error = await chatErrorOf(() => session.openSubscription(new AbortController().signal));
      expect(error.reason).toBe("SUBSCRIPTION_LIMIT");
      expect(error.message).toBe("You have 3 subscriptions open, the most one connection may have; stop one first.");
      expect(session.openSubscriptions).toBe(3);
    });

    it("frees the slot of a subscription the client stops", async () => {
      const session = newSession({ maxSubscriptions: 2 });
      const stopped = new AbortController();
      session.openSubscription(stopped.signal);
      session.openSubscription(new AbortController().signal);
      await chatErrorOf(() => session.openSubscription(new AbortController().signal));
      stopped.abort();
      expect(session.openSubscriptions).toBe(1);
      session.openSubscription(new AbortController().signal);
      expect(session.openSubscriptions).toBe(2);
    });

    it("frees every slot when the connection closes", () => {
      const session = newSession({ maxSubscriptions: 5 });
      // As the WebSocket adapter does: each subscription's signal aborts when the connection closes.
      const connection = new AbortController();
      for (let open = 0; open < 5; open++) session.openSubscription(AbortSignal.any([connection.signal, new AbortController().signal]));
      connection.abort();
      expect(session.openSubscriptions).toBe(0);
    });

    it("frees a slot once when a subscription that failed to start is released, however often", () => {
      const session = newSession({ maxSubscriptions: 5 });
      const kept = new AbortController();
      session.openSubscription(kept.signal);
      const failed = new AbortController();
      const release = session.openSubscription(failed.signal);
      release();
      release();
      failed.abort();
      expect(session.openSubscriptions).toBe(1);
    });

    it("takes no slot for a subscription already stopped when it opens", () => {
      const session = newSession({ maxSubscriptions: 1 });
      session.openSubscription(AbortSignal.abort());
      expect(session.openSubscriptions).toBe(0);
      session.openSubscription(new AbortController().signal);
      expect(session.openSubscriptions).toBe(1);
    });

    it("leaks no slot over 1,000 subscriptions started and stopped, and then fits 100 again by default", async () => {
      const session = newSession({ subscribeRate: { burst: 10_000, perSecond: 1 } });
      for (let round = 0; round < 10; round++) {
        const stops = Array.from({ length: 100 }, () => new AbortController());
        for (const stop of stops) session.openSubscription(stop.signal);
        for (const stop of stops) stop.abort();
      }
      expect(session.openSubscriptions).toBe(0);
      for (let open = 0; open < 100; open++) session.openSubscription(new AbortController().signal);
      expect((await chatErrorOf(() => session.openSubscription(new AbortController().signal))).reason).toBe("SUBSCRIPTION_LIMIT");
    });
  });
});
