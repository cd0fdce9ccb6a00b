import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ChatMessage, type PresenceEvent, type RoomId, TYPING_INTERVAL_MS } from "../schema.js";
import { read } from "../testing/broker-harness.js";
import { sessionDeps } from "../testing/session-deps.js";
import type { MessageDraft } from "./broker.js";
import { ChatSession, type ChatSessionDeps } from "./chat-session.js";
import { ManualClock } from "./clock.js";
import { ChatError } from "./errors.js";
import type { Identity } from "./identity.js";
import { MemoryBroker } from "./memory-broker.js";

/** The real broker, except that its first `publish` fails, as a remote store's might. */
class PublishFailsOnce extends MemoryBroker {
  private failed = false;
  override async publish(roomId: RoomId, draft: MessageDraft): Promise<ChatMessage> {
    if (!this.failed) {
      this.failed = true;
      throw new Error("store unavailable");
    }
    return super.publish(roomId, draft);
  }
}

/** The real broker, except that its first `removeMember` fails, as a remote store's might. */
class RemovalFailsOnce extends MemoryBroker {
  private failed = false;
  override async removeMember(roomId: RoomId, username: string, holderId: string): Promise<boolean> {
    if (!this.failed) {
      this.failed = true;
      throw new Error("store unavailable");
    }
    return super.removeMember(roomId, username, holderId);
  }
}

/** The error `promise` rejects with, which must be a `ChatError`. */
async function chatErrorOf(promise: Promise<unknown>): Promise<ChatError> {
  const error: unknown = await promise.then(
    () => new Error("expected a ChatError, but the call succeeded"),
    (reason: unknown) => reason,
  );
  if (!(error instanceof ChatError)) throw error;
  return error;
}

describe("ChatSession", () => {
  let clock: ManualClock;
  let broker: MemoryBroker;
  let deps: ChatSessionDeps;
  let sessions = 0;

  const newSession = (overrides: Partial<ChatSessionDeps> = {}, identity?: Identity): ChatSession =>
    new ChatSession(`conn-${++sessions}`, { ...deps, ...overrides }, {}, undefined, identity);

  /** One person, for two connections (two tabs) that share a name. */
  const alice: Identity = { kind: "guest", id: "alice-id" };

  const texts = async (roomId: string): Promise<string[]> =>
    (await broker.history(roomId, 100)).map((message) => message.text);

  /** A presence reader of `roomId`; the broker ends it when it closes after the test. */
  const watch = (roomId: RoomId): AsyncIterator<PresenceEvent> =>
    broker.presence(roomId, new AbortController().signal)[Symbol.asyncIterator]();

  beforeEach(() => {
    clock = new ManualClock(1_700_000_000_000);
    broker = new MemoryBroker({ clock });
    deps = sessionDeps(broker, clock, { burst: 3, perSecond: 1 });
  });

  afterEach(async () => {
    await broker.close();
  });

  describe("join", () => {
    it("announces a name that becomes present with a system message about that person", async () => {
      const session = newSession();
      const result = await session.join("general", "alice");
      const [announcement] = await broker.history("general", 10);
      expect(announcement).toMatchObject({ kind: "system", username: "alice", text: "alice joined", roomId: "general" });
      expect(result).toEqual({
        roomId: "general",
        username: "alice",
        private: false,
        history: [announcement],
        members: [{ username: "alice" }],
      });
      expect(session.joined.get("general")).toBe("alice");
    });

    it("returns the room's recent history, oldest first, and its members", async () => {
      const bob = newSession();
      await bob.join("general", "bob");
      await bob.send("general", "hello");
      const result = await newSession().join("general", "alice");
      expect(result.history.map((message) => message.text)).toEqual(["bob joined", "hello", "alice joined"]);
      expect(result.members).toEqual([{ username: "bob" }, { username: "alice" }]);
    });

    it("returns at most 50 messages of history", async () => {
      for (let index = 0; index < 60; index++) {
        await broker.publish("general", { kind: "user", username: "bob", text: `m${index}` });
      }
      const { history } = await newSession().join("general", "alice");
      expect(history).toHaveLength(50);
      expect(history.at(-1)?.text).toBe("alice joined");
      expect(history[0]?.text).toBe("m11");
    });

    it("does not announce a name that another connection already holds in the room", async () => {
      await newSession({}, alice).join("general", "alice");
      await newSession({}, alice).join("general", "alice");
      expect(await texts("general")).toEqual(["alice joined"]);
      expect(await broker.members("general")).toEqual([{ username: "alice" }]);
    });

    it("treats joining again under the same name as a no-op that returns the same shape", async () => {
      const session = newSession();
      const first = await session.join("general", "alice");
      const second = await session.join("general", "alice");
      expect(second).toEqual(first);
      expect(await texts("general")).toEqual(["alice joined"]);
    });

    it("announces a single arrival when the same join is sent twice at once", async () => {
      const session = newSession();
      await Promise.all([session.join("general", "alice"), session.join("general", "alice")]);
      expect(await texts("general")).toEqual(["alice joined"]);
    });

    it("refuses joining a room again under a different name with NAME_CONFLICT", async () => {
      const session = newSession();
      await session.join("general", "alice");
      const error = await chatErrorOf(session.join("general", "mallory"));
      expect(error.reason).toBe("NAME_CONFLICT");
      expect(session.joined.get("general")).toBe("alice");
      expect(await broker.members("general")).toEqual([{ username: "alice" }]);
      expect(await texts("general")).toEqual(["alice joined"]);
    });

    it("lets one connection use different names in different rooms", async () => {
      const session = newSession();
      await session.join("general", "alice");
      await session.join("random", "al");
      expect(await broker.members("random")).toEqual([{ username: "al" }]);
      expect((await session.send("random", "hi")).username).toBe("al");
      expect((await session.send("general", "hi")).username).toBe("alice");
    });

    it("allows a new name after leaving the room", async () => {
      const session = newSession();
      await session.join("general", "alice");
      await session.leave("general");
      await session.join("general", "alicia");
      expect(await texts("general")).toEqual(["alice joined", "alice left", "alicia joined"]);
    });

    it("leaves no ghost member behind when announcing the join fails", async () => {
      await broker.close();
      const flaky = new PublishFailsOnce({ clock });
      broker = flaky;
      const session = newSession(sessionDeps(flaky, clock, { burst: 3, perSecond: 1 }));
      await expect(session.join("general", "alice")).rejects.toThrow("store unavailable");
      expect(session.joined.has("general")).toBe(false);
      expect(await flaky.members("general")).toEqual([]);
      // Retrying the join announces the arrival this time.
      await session.join("general", "alice");
      expect(await texts("general")).toEqual(["alice joined"]);
    });
  });

  describe("send", () => {
    it("refuses a send to a room the connection has not joined with NOT_MEMBER", async () => {
      const session = newSession();
      const error = await chatErrorOf(session.send("general", "hello"));
      expect(error.reason).toBe("NOT_MEMBER");
      expect(await texts("general")).toEqual([]);
    });

    it("refuses a send to a room the connection has left with NOT_MEMBER", async () => {
      const session = newSession();
      await session.join("general", "alice");
      await session.leave("general");
      expect((await chatErrorOf(session.send("general", "hello"))).reason).toBe("NOT_MEMBER");
    });

    it("stores and returns a user message authored by the name the connection joined with", async () => {
      const session = newSession();
      await session.join("general", "alice");
      const message = await session.send("general", "hello");
      expect(message).toMatchObject({ kind: "user", username: "alice", text: "hello", roomId: "general" });
      expect((await broker.history("general", 1))[0]).toEqual(message);
    });

    it("refuses sends past the burst with RATE_LIMITED and the delay until the next one is allowed", async () => {
      const session = newSession();
      await session.join("general", "alice");
      for (const text of ["1", "2", "3"]) await session.send("general", text);
      const error = await chatErrorOf(session.send("general", "4"));
      expect(error.reason).toBe("RATE_LIMITED");
      // One token per second.
      expect(error.retryAfterMs).toBe(1000);
      expect(error.message).toMatch(/1\.0 s/);
    });

    it("never tells a sender to wait 0.0 s when the next token is a few milliseconds away", async () => {
      const session = newSession();
      await session.join("general", "alice");
      for (const text of ["1", "2", "3"]) await session.send("general", text);
      clock.advance(999);
      const error = await chatErrorOf(session.send("general", "4"));
      expect(error.retryAfterMs).toBeLessThan(100);
      expect(error.message).toMatch(/try again in 0\.1 s/);
    });

    it("does not store rate-limited messages, and serves the sender again after the promised delay", async () => {
      const session = newSession();
      await session.join("general", "alice");
      for (const text of ["1", "2", "3"]) await session.send("general", text);
      const error = await chatErrorOf(session.send("general", "refused"));
      await chatErrorOf(session.send("general", "refused again"));
      clock.advance(error.retryAfterMs ?? Number.NaN);
      await session.send("general", "4");
      expect(await texts("general")).toEqual(["alice joined", "1", "2", "3", "4"]);
    });

    it("gives each connection its own send budget", async () => {
      const alice = newSession();
      const bob = newSession();
      await alice.join("general", "alice");
      await bob.join("general", "bob");
      for (const text of ["1", "2", "3"]) await alice.send("general", text);
      await expect(alice.send("general", "4")).rejects.toBeInstanceOf(ChatError);
      expect((await bob.send("general", "b")).username).toBe("bob");
    });

    it("does not spend the budget on sends refused for not being a member", async () => {
      const session = newSession();
      for (let index = 0; index < 5; index++) await chatErrorOf(session.send("general", "x"));
      await session.join("general", "alice");
      for (const text of ["1", "2", "3"]) await session.send("general", text);
      expect(await texts("general")).toEqual(["alice joined", "1", "2", "3"]);
    });
  });

  describe("leave", () => {
    it("announces the leave with a system message about that person", async () => {
      const session = newSession();
      await session.join("general", "alice");
      await session.leave("general");
      const last = (await broker.history("general", 1))[0];
      expect(last).toMatchObject({ kind: "system", username: "alice", text: "alice left" });
      expect(await broker.members("general")).toEqual([]);
      expect(session.joined.has("general")).toBe(false);
    });

    it("announces the leave only when no other connection holds the name in the room", async () => {
      const first = newSession({}, alice);
      const second = newSession({}, alice);
      await first.join("general", "alice");
      await second.join("general", "alice");
      await first.leave("general");
      expect(await texts("general")).toEqual(["alice joined"]);
      expect(await broker.members("general")).toEqual([{ username: "alice" }]);
      await second.leave("general");
      expect(await texts("general")).toEqual(["alice joined", "alice left"]);
      expect(await broker.members("general")).toEqual([]);
    });

    it("treats leaving twice, or leaving a room never joined, as a no-op", async () => {
      const session = newSession();
      await session.leave("general");
      await session.join("general", "alice");
      await session.leave("general");
      await session.leave("general");
      expect(await texts("general")).toEqual(["alice joined", "alice left"]);
    });

    it("does not disturb another connection's membership when leaving", async () => {
      const alice = newSession();
      const bob = newSession();
      await alice.join("general", "alice");
      await bob.join("general", "bob");
      await alice.leave("general");
      expect(await broker.members("general")).toEqual([{ username: "bob" }]);
      expect((await bob.send("general", "still here")).username).toBe("bob");
    });

    it("lets a leave that failed be retried, so no ghost member remains", async () => {
      await broker.close();
      const flaky = new RemovalFailsOnce({ clock });
      broker = flaky;
      const session = newSession(sessionDeps(flaky, clock, { burst: 3, perSecond: 1 }));
      await session.join("general", "alice");
      await expect(session.leave("general")).rejects.toThrow("store unavailable");
      await session.leave("general");
      expect(await broker.members("general")).toEqual([]);
      expect(await texts("general")).toEqual(["alice joined", "alice left"]);
    });

    it("leaves every joined room on leaveAll", async () => {
      const session = newSession();
      await session.join("general", "alice");
      await session.join("random", "al");
      await session.join("help", "alice");
      await session.leaveAll();
      expect(session.joined.size).toBe(0);
      expect(await broker.listRooms()).toEqual([]);
      expect(await texts("general")).toEqual(["alice joined", "alice left"]);
      expect(await texts("random")).toEqual(["al joined", "al left"]);
      expect(await texts("help")).toEqual(["alice joined", "alice left"]);
      await session.leaveAll();
      expect(await texts("general")).toEqual(["alice joined", "alice left"]);
    });
  });

  // A later event (someone joining) marks where a broadcast would have appeared, so "not
  // broadcast" is read off the stream instead of waited for.
  describe("typing", () => {
    it("refuses a typing signal in a room the connection has not joined with NOT_MEMBER", async () => {
      const stream = watch("general");
      const error = await chatErrorOf(newSession().typing("general"));
      expect(error.reason).toBe("NOT_MEMBER");
      expect(error.message).toBe("Join general before typing in it.");
      await newSession().join("general", "bob");
      expect(await read(stream, 2)).toEqual([
        { type: "snapshot", roomId: "general", members: [] },
        { type: "join", roomId: "general", username: "bob" },
      ]);
    });

    it("refuses a typing signal in a room the connection has left with NOT_MEMBER", async () => {
      const session = newSession();
      await session.join("general", "alice");
      await session.leave("general");
      expect((await chatErrorOf(session.typing("general"))).reason).toBe("NOT_MEMBER");
    });

    it("broadcasts a typing signal under the joined name, changing neither members nor history", async () => {
      const session = newSession();
      await session.join("general", "alice");
      const stream = watch("general");
      await session.typing("general");
      expect(await read(stream, 2)).toEqual([
        { type: "snapshot", roomId: "general", members: [{ username: "alice" }] },
        { type: "typing", roomId: "general", username: "alice" },
      ]);
      expect(await broker.members("general")).toEqual([{ username: "alice" }]);
      expect(await texts("general")).toEqual(["alice joined"]);
    });

    it("broadcasts at most once per TYPING_INTERVAL_MS, accepting the calls in between silently", async () => {
      const session = newSession();
      await session.join("general", "alice");
      const stream = watch("general");
      await session.typing("general");
      clock.advance(TYPING_INTERVAL_MS - 1);
      await expect(session.typing("general")).resolves.toBeUndefined();
      await newSession().join("general", "bob");
      clock.advance(1);
      await session.typing("general");
      expect(await read(stream, 4)).toEqual([
        { type: "snapshot", roomId: "general", members: [{ username: "alice" }] },
        { type: "typing", roomId: "general", username: "alice" },
        { type: "join", roomId: "general", username: "bob" },
        { type: "typing", roomId: "general", username: "alice" },
      ]);
    });

    it("throttles each room and each connection on its own", async () => {
      const alice = newSession();
      const bob = newSession();
      await alice.join("general", "alice");
      await alice.join("random", "al");
      await bob.join("general", "bob");
      const general = watch("general");
      const random = watch("random");
      await alice.typing("general");
      await alice.typing("random");
      await bob.typing("general");
      expect((await read(general, 3)).slice(1)).toEqual([
        { type: "typing", roomId: "general", username: "alice" },
        { type: "typing", roomId: "general", username: "bob" },
      ]);
      expect((await read(random, 2)).slice(1)).toEqual([{ type: "typing", roomId: "random", username: "al" }]);
    });

    it("forgets a room's throttle on leaving it, so a re-join signals at once", async () => {
      const session = newSession();
      await session.join("general", "alice");
      const stream = watch("general");
      await session.typing("general");
      await session.leave("general");
      await session.join("general", "alice");
      await session.typing("general");
      expect((await read(stream, 5)).slice(1)).toEqual([
        { type: "typing", roomId: "general", username: "alice" },
        { type: "leave", roomId: "general", username: "alice" },
        { type: "join", roomId: "general", username: "alice" },
        { type: "typing", roomId: "general", username: "alice" },
      ]);
    });
  });
});
