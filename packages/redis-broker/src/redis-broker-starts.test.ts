/**
 * What a stream's start costs Redis (issue 12, attack A″): a start reads only what it may replay,
 * however long the room's history, and the starts of one room that arrive together share one
 * read. The evidence is Redis's own counters (`INFO commandstats`, `total_net_output_bytes`), so
 * the bounds hold whatever the machine's speed.
 */
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { messageBytes } from "@chat/api";
import type { ChatEvent, ChatMessage } from "@chat/api/schema";
import { draft, read, textsOf } from "@chat/api/testing";
import { type RedisServer, redisServerPath, startRedisServer } from "./testing/redis-server.js";
import { RedisBroker } from "./redis-broker.js";
import type { RedisBrokerOptions } from "./redis-broker-options.js";

/** 2,000 emoji: the longest text a message may have, at 4 bytes a character (8 KB). */
const LONG_TEXT = "😀".repeat(2000);

describe.skipIf(redisServerPath === null)("RedisBroker stream starts", { timeout: 30_000 }, () => {
  let redis: RedisServer;
  let brokers: RedisBroker[] = [];
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
    await Promise.all(brokers.map((broker) => broker.close()));
    brokers = [];
    controllers = [];
  });

  const newBroker = async (options: Partial<RedisBrokerOptions> = {}): Promise<RedisBroker> => {
    const broker = new RedisBroker({ url: redis.url, keyPrefix: `starts-${randomUUID()}:`, ...options });
    brokers.push(broker);
    await broker.ready();
    return broker;
  };
  const newRoom = (): string => `s-${++rooms}`;
  const subscribe = (broker: RedisBroker, roomId: string, afterId: string | null = null): AsyncIterator<ChatEvent> => {
    const controller = new AbortController();
    controllers.push(controller);
    return broker.messages(roomId, afterId, controller.signal)[Symbol.asyncIterator]();
  };
  /** How often Redis has run `command` so far, scripts' calls included. */
  const calls = async (command: string): Promise<number> => {
    const stats = await redis.info("commandstats");
    return Number(/calls=(\d+)/.exec(stats[`cmdstat_${command}`] ?? "")?.[1] ?? 0);
  };
  /** Publishes `count` messages of `text` to the room, a pipeline's worth at a time. */
  const fill = async (broker: RedisBroker, roomId: string, count: number, text: string): Promise<ChatMessage[]> => {
    const published: ChatMessage[] = [];
    for (let sent = 0; sent < count; sent += 50) {
      const batch = Array.from({ length: Math.min(50, count - sent) }, () => broker.publish(roomId, draft("alice", text)));
      published.push(...(await Promise.all(batch)));
    }
    return published;
  };

  it("reads no more than the replay window from Redis for a start, however long the room's history", async () => {
    const broker = await newBroker({ replayLimit: 100, historySize: 1000 });
    const roomId = newRoom();
    const published = await fill(broker, roomId, 1000, LONG_TEXT);
    const before = Number((await redis.info("stats")).total_net_output_bytes);
    const replayed = await read(subscribe(broker, roomId), 100);
    const sent = Number((await redis.info("stats")).total_net_output_bytes) - before;
    expect(replayed.map((message) => message.id)).toEqual(published.slice(-100).map((message) => message.id));
    // 101 entries of about 8 KB (the window and the one before it), with room for the replies
    // of INFO and of the lease; the whole history would be 1,000 entries, 8 MB.
    const windowBytes = 101 * Buffer.byteLength(LONG_TEXT);
    expect(sent).toBeLessThan(windowBytes * 1.25);
  });

  it("shares one window read among the starts of one room asked for together, each replayed in full", async () => {
    const broker = await newBroker({ replayLimit: 20 });
    const roomId = newRoom();
    const published = await fill(broker, roomId, 30, "hello");
    const before = await calls("xrevrange");
    const streams = Array.from({ length: 100 }, () => subscribe(broker, roomId));
    const newest = published.slice(-20).map((message) => message.id);
    for (const stream of streams) expect((await read(stream, 20)).map((message) => message.id)).toEqual(newest);
    expect((await calls("xrevrange")) - before).toBe(1);
  });

  it("shares one snapshot read among the presence starts of one room asked for together", async () => {
    const broker = await newBroker();
    const roomId = newRoom();
    await broker.addMember(roomId, "alice", "conn-1");
    const before = await calls("hkeys");
    const streams = Array.from({ length: 50 }, () => {
      const controller = new AbortController();
      controllers.push(controller);
      return broker.presence(roomId, controller.signal)[Symbol.asyncIterator]();
    });
    for (const stream of streams) expect(await read(stream, 1)).toEqual([{ type: "snapshot", roomId, members: [{ username: "alice" }] }]);
    expect((await calls("hkeys")) - before).toBe(1);
  });

  it("places a start asked for in the same turn as a publish before that publish", async () => {
    const broker = await newBroker({ replayLimit: 2 });
    const roomId = newRoom();
    await fill(broker, roomId, 3, "old");
    const stream = subscribe(broker, roomId);
    // Published in the same turn: the start was asked for first, so these are live, not replay.
    const live = await Promise.all(["1", "2", "3"].map((text) => broker.publish(roomId, draft("bob", text))));
    const seen = await read(stream, 5);
    expect(textsOf(seen)).toEqual(["old", "old", "1", "2", "3"]);
    expect(seen.slice(2)).toEqual(live);
  });

  it("counts the messages and bytes its starts replayed", async () => {
    const broker = await newBroker({ replayLimit: 3 });
    const roomId = newRoom();
    const published = await fill(broker, roomId, 5, "counted");
    await read(subscribe(broker, roomId), 3);
    await read(subscribe(broker, roomId, published[3]?.id), 1);
    const replayed = [...published.slice(2), ...published.slice(4)];
    expect(broker.stats()).toMatchObject({
      replayedMessages: replayed.length,
      replayedBytes: replayed.reduce((sum, message) => sum + messageBytes(message), 0),
    });
  });
});
