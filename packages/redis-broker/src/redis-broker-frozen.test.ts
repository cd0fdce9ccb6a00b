/**
 * A Redis that is frozen (SIGSTOP) keeps its connections open and answers nothing: the broker
 * must neither call itself healthy (issue 12, attack I) nor leave a starting stream waiting
 * forever (attack A″), and it must serve again as soon as Redis does. Its own `redis-server`,
 * since freezing it stops everything that uses it.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ChatError } from "@chat/api";
import { draft, read } from "@chat/api/testing";
import { type RedisServer, redisServerPath, startRedisServer } from "./testing/redis-server.js";
import { RedisBroker } from "./redis-broker.js";
import { RedisKeys } from "./redis-keys.js";
import { withChatScripts } from "./redis-scripts.js";

/** Liveness bound for a wait that spans a command timeout (2 s) and the start deadline (5 s). */
const WAIT_MS = 20_000;
/** Keeps Redis busy for ARGV[1] ms, as a slow script or command would: nothing else runs meanwhile. */
const HOLD_REDIS = `local t = redis.call('TIME')
local stop = t[1] * 1000000 + t[2] + tonumber(ARGV[1]) * 1000
repeat t = redis.call('TIME') until t[1] * 1000000 + t[2] >= stop
return 0`;

describe.skipIf(redisServerPath === null)("RedisBroker on a frozen Redis", { timeout: 60_000 }, () => {
  let redis: RedisServer;
  let broker: RedisBroker;
  let controllers: AbortController[] = [];
  let rooms = 0;
  let prefix = "";

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
    prefix = `frozen-${randomUUID()}:`;
    broker = new RedisBroker({ url: redis.url, keyPrefix: prefix, presenceTtlMs: 2000, presenceRefreshMs: 200 });
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
    // A sweep the node sent just before the freeze runs after it, when the lease has run out, and
    // takes the membership away; the node's first renewal that Redis answers puts it back.
    await expect
      .poll(() => read(chat.presence(roomId, signal())[Symbol.asyncIterator](), 1), { timeout: WAIT_MS, message: "alice's membership to be restored" })
      .toEqual([{ type: "snapshot", roomId, members: [{ username: "alice" }] }]);
  });

  it("puts its memberships back when Redis answered too late the renewal that found them swept", async () => {
    const chat = await newBroker();
    const roomId = `f-${++rooms}`;
    await chat.addMember(roomId, "alice", "conn-1");
    // Commands asked for in one turn go out in one write, so Redis runs them with nothing between.
    const other = withChatScripts(new Redis(redis.url, { enableAutoPipelining: true }));
    try {
      const keys = new RedisKeys(prefix);
      const [nodeId = ""] = await other.zrange(keys.nodes, "0", "-1");
      // Another node finds this one's lease run out (it was paused, say) and sweeps it; then Redis
      // is busy for longer than the command timeout, so the renewal that finds the lease gone runs
      // but its answer is given up on, and the renewals after it find a lease again.
      await Promise.all([other.zadd(keys.nodes, 0, nodeId), other.chatSweep(prefix, 10, 60_000), other.eval(HOLD_REDIS, 0, 3000)]);
    } finally {
      other.disconnect();
    }
    await expect.poll(() => chat.members(roomId), { timeout: WAIT_MS, message: "alice's membership to be put back" }).toEqual([{ username: "alice" }]);
  });
});
