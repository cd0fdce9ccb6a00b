/**
 * The Redis broker against the same contract as the in-memory one, on a real `redis-server`.
 * Every broker the contract makes gets a key prefix of its own: to the contract, another broker
 * is another process with other data (after a restart, another epoch), which for Redis is
 * another dataset. Brokers that share data, as nodes of one chat do, are tested in
 * `redis-broker-nodes.test.ts`.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe } from "vitest";
import { describeBrokerContract } from "@chat/api/testing";
import { type RedisServer, redisServerPath, startRedisServer } from "./testing/redis-server.js";
import { RedisBroker } from "./redis-broker.js";

describe.skipIf(redisServerPath === null)("RedisBroker", () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.dispose();
  });

  describeBrokerContract("RedisBroker", async (clock, settings) => {
    const broker = new RedisBroker({ url: redis.url, keyPrefix: `t-${randomUUID()}:`, clock, ...settings });
    await broker.ready();
    return broker;
  });
});
