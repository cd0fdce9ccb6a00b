import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ChatContext, createContextFactory } from "./context.js";
import type { SessionLimits } from "./domain/chat-session.js";
import { ManualClock } from "./domain/clock.js";
import { MemoryBroker } from "./domain/memory-broker.js";
import { clientErrorOf, localClient, type Recorded, record } from "./testing/local-client.js";

describe("appRouter limits, called through a tRPC client", () => {
  let clock: ManualClock;
  let broker: MemoryBroker;

  /** One connection: its context and a client over it. */
  const connect = (limits: Partial<SessionLimits> = {}) => {
    const context: ChatContext = createContextFactory({
      broker,
      clock,
      sendRate: { burst: 1, perSecond: 1 },
      onBackgroundError: (error) => {
        throw error;
      },
    })({ limits });
    return { context, chat: localClient(context) };
  };

  /** Opens an `onMessage` (even `index`) or `onPresence` (odd) subscription of `roomId`. */
  const subscribe = (chat: ReturnType<typeof localClient>, index: number, roomId = "general"): Recorded<unknown> =>
    record((handlers) =>
      index % 2 === 0 ? chat.onMessage.subscribe({ roomId }, handlers) : chat.onPresence.subscribe({ roomId }, handlers),
    );

  beforeEach(() => {
    clock = new ManualClock(1_700_000_000_000);
    broker = new MemoryBroker({ clock });
  });

  afterEach(async () => {
    await broker.close();
  });

  it("answers a join past the join burst with TOO_MANY_REQUESTS, a human message and retryAfterMs", async () => {
    const { chat } = connect({ joinRate: { burst: 2, perSecond: 0.5 } });
    await chat.joinRoom.mutate({ roomId: "a", username: "alice" });
    await chat.joinRoom.mutate({ roomId: "b", username: "alice" });
    const error = await clientErrorOf(chat.joinRoom.mutate({ roomId: "c", username: "alice" }));
    expect(error.data.code).toBe("TOO_MANY_REQUESTS");
    expect(error.data.retryAfterMs).toBe(2000);
    expect(error.message).toBe("You are joining rooms too fast; try again in 2.0 s.");
    // A refused join cost nothing: the next token comes when promised.
    clock.advance(2000);
    expect((await chat.joinRoom.mutate({ roomId: "c", username: "alice" })).roomId).toBe("c");
  });

  it("answers a join past the room limit with FORBIDDEN and a sentence saying what to do", async () => {
    const { chat } = connect({ maxRooms: 2 });
    await chat.joinRoom.mutate({ roomId: "a", username: "alice" });
    await chat.joinRoom.mutate({ roomId: "b", username: "alice" });
    const error = await clientErrorOf(chat.joinRoom.mutate({ roomId: "c", username: "alice" }));
    expect(error.data.code).toBe("FORBIDDEN");
    expect(error.data.retryAfterMs).toBeNull();
    expect(error.message).toBe("You are in 2 rooms, the most one connection may be in; leave one first.");
  });

  it("answers a subscription past the limit with TOO_MANY_REQUESTS, counting onMessage and onPresence together", async () => {
    const { chat } = connect({ maxSubscriptions: 4 });
    const open = Array.from({ length: 4 }, (_, index) => subscribe(chat, index));
    await Promise.all(open.map((subscription) => subscription.started));
    for (const index of [4, 5]) {
      const refused = subscribe(chat, index);
      await expect.poll(() => refused.errors.length).toBe(1);
      const error = await clientErrorOf(Promise.reject(refused.errors[0]));
      expect(error.data.code).toBe("TOO_MANY_REQUESTS");
      expect(error.message).toBe("You have 4 subscriptions open, the most one connection may have; stop one first.");
    }
    for (const subscription of open) subscription.unsubscribe();
  });

  it("frees a slot when the client stops a subscription", async () => {
    const { chat, context } = connect({ maxSubscriptions: 2 });
    const first = subscribe(chat, 0);
    const second = subscribe(chat, 1);
    await Promise.all([first.started, second.started]);
    first.unsubscribe();
    await expect.poll(() => context.session.openSubscriptions).toBe(1);
    const third = subscribe(chat, 2);
    await third.started;
    expect(third.errors).toEqual([]);
    second.unsubscribe();
    third.unsubscribe();
  });

  it("takes no slot for a subscription refused for bad input", async () => {
    const { chat, context } = connect({ maxSubscriptions: 1 });
    for (let attempt = 0; attempt < 3; attempt++) {
      const refused = subscribe(chat, attempt, "not a room");
      await expect.poll(() => refused.errors.length).toBe(1);
      expect((await clientErrorOf(Promise.reject(refused.errors[0]))).data.code).toBe("BAD_REQUEST");
    }
    expect(context.session.openSubscriptions).toBe(0);
    const valid = subscribe(chat, 0);
    await valid.started;
    valid.unsubscribe();
  });

  it("leaks no slot over 1,000 subscriptions started and stopped: 100 fit again afterwards", async () => {
    const { chat, context } = connect({ subscribeRate: { burst: 10_000, perSecond: 1 } });
    for (let round = 0; round < 10; round++) {
      const batch = Array.from({ length: 100 }, (_, index) => subscribe(chat, index, `room-${round}`));
      await Promise.all(batch.map((subscription) => subscription.started));
      for (const subscription of batch) subscription.unsubscribe();
      await expect.poll(() => context.session.openSubscriptions).toBe(0);
    }
    const full = Array.from({ length: 100 }, (_, index) => subscribe(chat, index));
    await Promise.all(full.map((subscription) => subscription.started));
    const refused = subscribe(chat, 100);
    await expect.poll(() => refused.errors.length).toBe(1);
    for (const subscription of full) subscription.unsubscribe();
  });

  it("answers subscriptions started past the subscription budget with TOO_MANY_REQUESTS and retryAfterMs, taking no slot", async () => {
    const { chat, context } = connect({ subscribeRate: { burst: 2, perSecond: 0.5 } });
    const open = [subscribe(chat, 0), subscribe(chat, 1)];
    await Promise.all(open.map((subscription) => subscription.started));
    const refused = subscribe(chat, 2);
    await expect.poll(() => refused.errors.length).toBe(1);
    const error = await clientErrorOf(Promise.reject(refused.errors[0]));
    expect(error.data.code).toBe("TOO_MANY_REQUESTS");
    expect(error.data.retryAfterMs).toBe(2000);
    expect(error.message).toBe("You are opening subscriptions too fast; try again in 2.0 s.");
    expect(context.session.openSubscriptions).toBe(2);
    clock.advance(2000);
    const later = subscribe(chat, 3);
    await later.started;
    for (const subscription of [...open, later]) subscription.unsubscribe();
  });

  it("charges a re-join under the same name a join: its answer carries the history", async () => {
    const { chat } = connect({ joinRate: { burst: 2, perSecond: 1 } });
    await chat.joinRoom.mutate({ roomId: "a", username: "alice" });
    expect((await chat.joinRoom.mutate({ roomId: "a", username: "alice" })).history).toHaveLength(1);
    const error = await clientErrorOf(chat.joinRoom.mutate({ roomId: "a", username: "alice" }));
    expect(error.data.code).toBe("TOO_MANY_REQUESTS");
    expect(error.message).toBe("You are joining rooms too fast; try again in 1.0 s.");
  });

  it("answers a username with an invisible character with BAD_REQUEST and the reason", async () => {
    const { chat } = connect();
    const error = await clientErrorOf(chat.joinRoom.mutate({ roomId: "general", username: "ali\u202ece" }));
    expect(error.data.code).toBe("BAD_REQUEST");
    expect(error.message).toBe("Username must not contain invisible or text-direction characters (such as zero-width spaces or bidi controls).");
    expect(await broker.members("general")).toEqual([]);
  });
});
