/**
 * Rooms nobody uses expire from Redis (issue 12, attack G: a flood of joins to new rooms left
 * 93,273 keys in Redis for good). Every key a room leaves behind lives `roomTtlMs` past the room's
 * last activity, and a room in use keeps its keys. A small TTL stands in for `ROOM_TTL_DAYS`.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { draft } from "@chat/api/testing";
import { type RedisServer, redisServerPath, startRedisServer } from "./testing/redis-server.js";
import { RedisBroker } from "./redis-broker.js";
import type { RedisBrokerOptions } from "./redis-broker-options.js";
import { RedisKeys } from "./redis-keys.js";

/** Short enough to watch a room expire; long enough that a room written to every 50 ms never does. */
const ROOM_TTL_MS = 1500;

describe.skipIf(redisServerPath === null)("RedisBroker room expiry", { timeout: 30_000 }, () => {
  let redis: RedisServer;
  let inspector: Redis;
  let broker: RedisBroker;
  let keys: RedisKeys;

  beforeAll(async () => {
    redis = await startRedisServer();
    inspector = new Redis(redis.url);
  });
  afterAll(async () => {
    inspector?.disconnect();
    await redis?.dispose();
  });
  afterEach(async () => {
    await broker?.close();
  });

  const newBroker = async (options: Partial<RedisBrokerOptions> = {}): Promise<RedisBroker> => {
    const prefix = `ttl-${randomUUID()}:`;
    keys = new RedisKeys(prefix);
    broker = new RedisBroker({ url: redis.url, keyPrefix: prefix, roomTtlMs: ROOM_TTL_MS, ...options });
    await broker.ready();
    return broker;
  };
  /** Every key this test's chat holds in Redis. */
  const allKeys = async (): Promise<string[]> => (await inspector.keys(`${keys.prefix}*`)).sort();
  /** The keys a room leaves behind once nobody is in it. */
  const roomKeys = (roomId: string): string[] => [keys.stream(roomId), keys.presenceVersion(roomId), keys.presenceLog(roomId)];
  /** Until `condition` holds, polling every 50 ms; the timeout is for liveness only. */
  const until = async (condition: () => Promise<boolean>, what: string): Promise<void> => {
    const deadline = Date.now() + 20_000;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  it("gives every key a room leaves behind a TTL, and keeps none for names that left", async () => {
    const chat = await newBroker();
    await chat.addMember("visited", "alice", "conn-1");
    const hello = await chat.publish("visited", draft("alice", "hello"));
    // A reaction makes the room's states hash, which must expire with the stream.
    await chat.change("visited", hello.id, { change: { type: "react", emoji: "👍", username: "alice", on: true }, actorId: "alice-id" });
    await chat.removeMember("visited", "alice", "conn-1");
    const left = [...roomKeys("visited"), keys.states("visited")];
    expect((await allKeys()).filter((key) => key.includes("visited"))).toEqual([...left].sort());
    for (const key of left) {
      const ttl = await inspector.pttl(key);
      expect(ttl, key).toBeGreaterThan(0);
      expect(ttl, key).toBeLessThanOrEqual(ROOM_TTL_MS);
    }
  });

  it("lets an idle room's keys expire while an active room keeps its own, and no longer has the idle room", async () => {
    const chat = await newBroker();
    await chat.addMember("idle", "mallory", "conn-1");
    await chat.publish("idle", draft("mallory", "flood"));
    await chat.removeMember("idle", "mallory", "conn-1");
    await chat.addMember("busy", "alice", "conn-2");
    let active = true;
    const talking = (async () => {
      while (active) {
        await chat.publish("busy", draft("alice", "still here"));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    try {
      await until(async () => (await inspector.exists(...roomKeys("idle"))) === 0, "the idle room's keys to expire");
      expect(await chat.hasRoom("idle")).toBe(false);
      expect(await inspector.exists(...roomKeys("busy"))).toBe(3);
      expect(await chat.hasRoom("busy")).toBe(true);
    } finally {
      active = false;
      await talking;
    }
    // What is left of the chat: its own counters and lease, and the room that is in use.
    const global = [keys.epoch, keys.seq, keys.nodes, keys.rooms];
    const remaining = await allKeys();
    expect(remaining.filter((key) => key.includes("idle"))).toEqual([]);
    expect(remaining.every((key) => global.includes(key) || key.includes("busy") || key.startsWith(keys.holders("")))).toBe(true);
  });

  it("keeps the keys of rooms that someone is in or reads, though nobody writes to them", async () => {
    // The node keeps the rooms it holds or reads alive every quarter of the TTL, on its lease's beat.
    const chat = await newBroker({ presenceTtlMs: 1000, presenceRefreshMs: 100 });
    await chat.addMember("held", "alice", "conn-1");
    await chat.publish("read", draft("bob", "hello"));
    const controller = new AbortController();
    try {
      const reader = chat.messages("read", null, controller.signal)[Symbol.asyncIterator]();
      await reader.next();
      // Time for both rooms to have expired twice over, had nothing kept them.
      await new Promise((resolve) => setTimeout(resolve, 2 * ROOM_TTL_MS));
      expect(await inspector.exists(...roomKeys("held"))).toBe(2);
      expect(await inspector.exists(keys.stream("read"))).toBe(1);
      expect(await chat.hasRoom("held")).toBe(true);
      expect(await chat.hasRoom("read")).toBe(true);
    } finally {
      controller.abort();
    }
  });
});
