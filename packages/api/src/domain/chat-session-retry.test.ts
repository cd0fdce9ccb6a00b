/**
 * `ChatSession.send` with a `clientMessageId`: a retry gets the stored message back, and only a
 * new message spends the send budget (burst 2 here, one token a second).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ChatMessage } from "../schema.js";
import { sessionDeps } from "../testing/session-deps.js";
import { ChatSession } from "./chat-session.js";
import { ManualClock } from "./clock.js";
import { ChatError } from "./errors.js";
import type { Identity } from "./identity.js";
import { MemoryBroker } from "./memory-broker.js";

describe("ChatSession.send with a clientMessageId", () => {
  let clock: ManualClock;
  let broker: MemoryBroker;
  let sessions = 0;

  // One person behind every session, as after a reconnect.
  const identity: Identity = { kind: "guest", id: "alice-id" };

  const joined = async (username = "alice"): Promise<ChatSession> => {
    const session = new ChatSession(`conn-${++sessions}`, sessionDeps(broker, clock, { burst: 2, perSecond: 1 }), {}, undefined, identity);
    await session.join("general", username);
    return session;
  };

  const userTexts = async (): Promise<string[]> =>
    (await broker.history("general", 100)).filter((message) => message.kind === "user").map((message) => message.text);

  const refusal = async (promise: Promise<ChatMessage>): Promise<ChatError> => {
    const error: unknown = await promise.then(
      () => new Error("expected a refusal, but the send succeeded"),
      (reason: unknown) => reason,
    );
    if (!(error instanceof ChatError)) throw error;
    return error;
  };

  beforeEach(() => {
    clock = new ManualClock(1_700_000_000_000);
    broker = new MemoryBroker({ clock });
  });

  afterEach(async () => {
    await broker.close();
  });

  it("returns the stored message for a retry, even with the budget spent, and spends nothing on it", async () => {
    const session = await joined();
    const first = await session.send("general", "hello", "id-1");
    await session.send("general", "second", "id-2");
    expect(await session.send("general", "hello", "id-1")).toEqual(first);
    expect((await refusal(session.send("general", "new", "id-3"))).reason).toBe("RATE_LIMITED");
    expect(await userTexts()).toEqual(["hello", "second"]);
  });

  it("returns the original to a retry from another connection of the same name, as after a reconnect", async () => {
    const before = await joined();
    const first = await before.send("general", "hello", "id-1");
    const after = await joined();
    expect(await after.send("general", "hello", "id-1")).toEqual(first);
    expect(await userTexts()).toEqual(["hello"]);
  });

  it("spends one token on two identical sends in flight at once", async () => {
    const session = await joined();
    const [first, second] = await Promise.all([
      session.send("general", "hello", "id-1"),
      session.send("general", "hello", "id-1"),
    ]);
    expect(second).toEqual(first);
    await session.send("general", "the second token", "id-2");
    expect(await userTexts()).toEqual(["hello", "the second token"]);
  });

  it("leaves the id free when the send is refused for sending too fast", async () => {
    const session = await joined();
    await session.send("general", "1");
    await session.send("general", "2");
    const error = await refusal(session.send("general", "later", "id-1"));
    clock.advance(error.retryAfterMs ?? Number.NaN);
    expect((await session.send("general", "later", "id-1")).text).toBe("later");
    expect(await userTexts()).toEqual(["1", "2", "later"]);
  });

  it("stores the same id from another name as another message", async () => {
    const alice = await joined("alice");
    const bob = await joined("bob");
    const fromAlice = await alice.send("general", "mine", "id-1");
    const fromBob = await bob.send("general", "mine too", "id-1");
    expect(fromBob.id).not.toBe(fromAlice.id);
    expect(fromBob.username).toBe("bob");
  });
});
