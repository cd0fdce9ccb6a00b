/**
 * A Redis that is frozen (SIGSTOP) keeps its connections open and answers nothing: the broker
 * must neither call itself healthy (issue 12, attack I) nor leave a starting stream waiting
 * forever (attack A″), and it must serve again as soon as Redis does. Its own `redis-server`,
 * since freezing it stops everything that uses it.
 */
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ChatError } from "@chat/api";
import { draft, read } from "@chat/api/testing";
import { type RedisServer, redisServerPath, startRedisServer } from "./testing/redis-server.js";
import { RedisBroker } from "./redis-broker.js";

/** Liveness bound for a wait that spans a command timeout (2 s) and the start deadline (5 s). */
const WAIT_MS = 20_000;

describe.skipIf(redisServerPath === null)("RedisBroker on a frozen Redis", { timeout: 60_000 }, () => {
  let redis: RedisServer;
  let broker: RedisBroker;
  let controllers: AbortController[] = [];
  let rooms = 0;

  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.dispose();
  });
  afterEach(async () => {
    for (const controller of controllers) controller.abort();
    controllers = [];
    await broker?.close();
  });

  const newBroker = async (): Promise<RedisBroker> => {
    // Short refresh: health may call Redis unanswering after this long without an answer.
    broker = new RedisBroker({ url: redis.url, keyPrefix: `frozen-${randomUUID()}:`, presenceTtlMs: 2000, presenceRefreshMs: 200 });
    await broker.ready();
    return broker;
  };
  const signal = (): AbortSignal => {
    const controller = new AbortController();
    controllers.push(controller);
    return controller.signal;
  };
  /** Whatever `promise` settles with, rejections included. */
  const outcome = (promise: Promise<unknown>): Promise<unknown> => promise.then((value) => value, (error: unknown) => error);

  it("says it cannot serve while Redis is frozen, and serves again once Redis answers", async () => {
    const chat = await newBroker();
    expect(chat.health()).toEqual({ ok: true });
    redis.pause();
    try {
      await expect.poll(() => chat.health().ok, { timeout: WAIT_MS, message: "the broker to report Redis unanswering" }).toBe(false);
      expect(chat.health()).toEqual({ ok: false, reason: expect.stringMatching(/Redis/) });
    } finally {
      redis.resume();
    }
    await expect.poll(() => chat.health().ok, { timeout: WAIT_MS, message: "the broker to report Redis answering again" }).toBe(true);
    const roomId = `f-${++rooms}`;
    const stored = await chat.publish(roomId, draft("alice", "after the freeze"));
    expect(await chat.history(roomId, 1)).toEqual([stored]);
  });

  it("fails a message stream that cannot read its start in time with UNAVAILABLE, and starts it again once Redis is back", async () => {
    const chat = await newBroker();
    const roomId = `f-${++rooms}`;
    const before = await chat.publish(roomId, draft("alice", "before"));
    redis.pause();
    let failure: unknown;
    try {
      failure = await outcome(chat.messages(roomId, null, signal())[Symbol.asyncIterator]().next());
    } finally {
      redis.resume();
    }
    expect(failure).toBeInstanceOf(ChatError);
    expect(failure).toMatchObject({ reason: "UNAVAILABLE", retryAfterMs: expect.any(Number) });
    expect(chat.stats().streams).toBe(0);
    await expect.poll(() => chat.health().ok, { timeout: WAIT_MS, message: "the broker to report Redis answering again" }).toBe(true);
    expect(await read(chat.messages(roomId, null, signal())[Symbol.asyncIterator](), 1)).toEqual([before]);
  });

  it("fails a presence stream that cannot read its start in time with UNAVAILABLE, and starts it again once Redis is back", async () => {
    const chat = await newBroker();
    const roomId = `f-${++rooms}`;
    await chat.addMember(roomId, "alice", "conn-1");
    redis.pause();
    let failure: unknown;
    try {
      failure = await outcome(chat.presence(roomId, signal())[Symbol.asyncIterator]().next());
    } finally {
      redis.resume();
    }
    expect(failure).toMatchObject({ reason: "UNAVAILABLE", retryAfterMs: expect.any(Number) });
    await expect.poll(() => chat.health().ok, { timeout: WAIT_MS, message: "the broker to report Redis answering again" }).toBe(true);
    // The freeze outlasted the membership's TTL: Redis expires it on waking, and the node's next
    // lease renewal restores it (`redis_lease_restored`), a refresh period after health is back.
    await expect
      .poll(() => read(chat.presence(roomId, signal())[Symbol.asyncIterator](), 1), { timeout: WAIT_MS, message: "alice's membership to be restored" })
      .toEqual([{ type: "snapshot", roomId, members: [{ username: "alice" }] }]);
  });
});
