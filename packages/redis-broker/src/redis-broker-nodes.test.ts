/**
 * What the Redis broker adds to the contract: brokers sharing one Redis act as nodes of one chat
 * (same messages, order, history and presence), a node that vanishes is swept, and Redis going
 * away and coming back loses nothing acknowledged and repeats nothing.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ChatError, type MessageDraft } from "@chat/api";
import type { ChatEvent, PresenceEvent } from "@chat/api/schema";
import { read, readUntilText, textsOf } from "@chat/api/testing";
import { type RedisServer, redisServerPath, startRedisServer } from "./testing/redis-server.js";
import { RedisBroker } from "./redis-broker.js";
import type { RedisBrokerOptions } from "./redis-broker-options.js";

const say = (username: string, text: string): MessageDraft => ({ kind: "user", username, text });

// Liveness bounds only: Redis restarts and lease expiry take a moment.
describe.skipIf(redisServerPath === null)("RedisBroker nodes on one Redis", { timeout: 20_000 }, () => {
  let redis: RedisServer;
  let prefix: string;
  let brokers: RedisBroker[] = [];
  let controllers: AbortController[] = [];
  let rooms = 0;

  beforeAll(async () => {
    // Persistent, so that a restart keeps what was acknowledged, as a production Redis would.
    redis = await startRedisServer({ appendOnly: true });
  });
  afterAll(async () => {
    await redis?.dispose();
  });
  beforeEach(() => {
    prefix = `nodes-${randomUUID()}:`;
  });
  afterEach(async () => {
    for (const controller of controllers) controller.abort();
    await Promise.all(brokers.map((broker) => broker.close()));
    brokers = [];
    controllers = [];
  });

  /** A node of this test's chat: every node of one test shares a prefix. */
  const node = async (options: Partial<RedisBrokerOptions> = {}): Promise<RedisBroker> => {
    const broker = new RedisBroker({ url: redis.url, keyPrefix: prefix, ...options });
    brokers.push(broker);
    await broker.ready();
    return broker;
  };
  const newRoom = (): string => `n-${++rooms}`;
  const signal = (): AbortSignal => {
    const controller = new AbortController();
    controllers.push(controller);
    return controller.signal;
  };
  const subscribe = (broker: RedisBroker, roomId: string, afterId: string | null = null): AsyncIterator<ChatEvent> =>
    broker.messages(roomId, afterId, signal())[Symbol.asyncIterator]();
  const watch = (broker: RedisBroker, roomId: string): AsyncIterator<PresenceEvent> => broker.presence(roomId, signal())[Symbol.asyncIterator]();


  it("shows readers on every node the same messages in the same order while both nodes publish", async () => {
    const [a, b] = [await node(), await node()];
    const roomId = newRoom();
    const onA = subscribe(a, roomId);
    const onB = subscribe(b, roomId);
    const sends = Array.from({ length: 20 }, (_, index) => (index % 2 === 0 ? a : b).publish(roomId, say(index % 2 ? "bob" : "alice", `m${index}`)));
    await Promise.all(sends);
    await a.publish(roomId, say("alice", "end"));
    const seenOnA = await readUntilText(onA, "end");
    const seenOnB = await readUntilText(onB, "end");
    expect(seenOnA).toHaveLength(21);
    expect(seenOnB).toEqual(seenOnA);
    expect(await a.history(roomId, 50)).toEqual(seenOnA);
    expect(await b.history(roomId, 50)).toEqual(seenOnA);
  });

  it("resumes a reader on another node from its last id with exactly what it missed", async () => {
    const [a, b] = [await node(), await node()];
    const roomId = newRoom();
    const first = await a.publish(roomId, say("alice", "seen"));
    await b.publish(roomId, say("bob", "missed 1"));
    await a.publish(roomId, say("alice", "missed 2"));
    const resumed = subscribe(a, roomId, first.id);
    await b.publish(roomId, say("bob", "end"));
    expect(textsOf(await readUntilText(resumed, "end"))).toEqual(["missed 1", "missed 2", "end"]);
  });

  it("stores one message when two nodes publish the same client message id at once", async () => {
    const [a, b] = [await node(), await node()];
    const roomId = newRoom();
    const once = { clientMessageId: "retry-1" };
    const [onA, onB] = await Promise.all([a.publish(roomId, say("alice", "hi"), once), b.publish(roomId, say("alice", "hi"), once)]);
    expect(onB).toEqual(onA);
    expect(await b.history(roomId, 10)).toEqual([onA]);
  });

  it("lists members of every node on every node, with joins and leaves from both", async () => {
    const [a, b] = [await node(), await node()];
    const roomId = newRoom();
    await a.addMember(roomId, "alice", "conn-1");
    const stream = watch(b, roomId);
    await b.addMember(roomId, "bob", "conn-1");
    await a.removeMember(roomId, "alice", "conn-1");
    expect(await read(stream, 3)).toEqual([
      { type: "snapshot", roomId, members: [{ username: "alice" }] },
      { type: "join", roomId, username: "bob" },
      { type: "leave", roomId, username: "alice" },
    ]);
    expect(await a.members(roomId)).toEqual([{ username: "bob" }]);
    expect(await a.listRooms()).toEqual([{ roomId, members: 1 }]);
  });

  it("keeps a name present while a holder on another node still has it", async () => {
    const [a, b] = [await node(), await node()];
    const roomId = newRoom();
    // Connection ids are unique per process only: the same id on two nodes is two holders.
    expect(await a.addMember(roomId, "alice", "conn-1")).toBe(true);
    expect(await b.addMember(roomId, "alice", "conn-1")).toBe(false);
    expect(await a.removeMember(roomId, "alice", "conn-1")).toBe(false);
    expect(await b.members(roomId)).toEqual([{ username: "alice" }]);
  });

  it("sweeps the members of a node that stops renewing its lease, with a leave each", async () => {
    const lease = { presenceTtlMs: 400, presenceRefreshMs: 100 };
    const [a, b] = [await node(lease), await node(lease)];
    const roomId = newRoom();
    await a.addMember(roomId, "alice", "conn-1");
    await b.addMember(roomId, "bob", "conn-2");
    await b.addMember(roomId, "carol", "conn-3");
    const stream = watch(a, roomId);
    // Closing says no goodbye: like a killed process, it just stops renewing.
    await b.close();
    const [snapshot, ...leaves] = await read(stream, 3);
    expect(snapshot).toMatchObject({ type: "snapshot" });
    expect(leaves.map((event) => event.type === "leave" && event.username).sort()).toEqual(["bob", "carol"]);
    expect(await a.members(roomId)).toEqual([{ username: "alice" }]);
  });

  it("refuses sends with UNAVAILABLE while Redis is down, and loses and repeats nothing across the restart", async () => {
    const [a, b] = [await node(), await node()];
    const roomId = newRoom();
    const onA = subscribe(a, roomId);
    const onB = subscribe(b, roomId);
    const acknowledged = [await a.publish(roomId, say("alice", "before"))];
    expect(await read(onB, 1)).toEqual(acknowledged);
    await redis.stop();
    await expect.poll(() => a.health().ok).toBe(false);
    const health = a.health();
    expect(health.ok === false && health.reason).toMatch(/Redis is unreachable/);
    const refusal = await a.publish(roomId, say("alice", "during")).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ChatError);
    expect(refusal).toMatchObject({ reason: "UNAVAILABLE", retryAfterMs: expect.any(Number) });
    await redis.start();
    await Promise.all([a.ready(), b.ready()]);
    expect(a.health()).toEqual({ ok: true });
    acknowledged.push(await b.publish(roomId, say("bob", "after")));
    acknowledged.push(await a.publish(roomId, say("alice", "end")));
    const seenOnA = await readUntilText(onA, "end");
    expect(seenOnA).toEqual(acknowledged);
    expect([acknowledged[0], ...(await readUntilText(onB, "end"))]).toEqual(acknowledged);
    expect(await b.history(roomId, 10)).toEqual(acknowledged);
  });

  it("delivers what was stored and who joined while the nodes' subscriptions were cut, once and in order", async () => {
    const [a, b] = [await node(), await node()];
    const roomId = newRoom();
    const onA = subscribe(a, roomId);
    const presenceOnA = watch(a, roomId);
    const before = await b.publish(roomId, say("bob", "before"));
    expect(await read(onA, 1)).toEqual([before]);
    expect(await read(presenceOnA, 1)).toEqual([{ type: "snapshot", roomId, members: [] }]);
    const admin = new Redis(redis.url);
    try {
      // Cuts every pub/sub connection and nothing else: announcements made now are lost.
      await admin.call("CLIENT", "KILL", "TYPE", "pubsub");
    } finally {
      admin.disconnect();
    }
    const stored = [];
    for (let index = 0; index < 5; index++) stored.push(await b.publish(roomId, say("bob", `while cut ${index}`)));
    await b.addMember(roomId, "bob", "conn-1");
    stored.push(await b.publish(roomId, say("bob", "end")));
    expect(await readUntilText(onA, "end")).toEqual(stored);
    expect(await read(presenceOnA, 1)).toEqual([{ type: "join", roomId, username: "bob" }]);
  });

  it("tells a reader about messages trimmed away even after the history size was raised", async () => {
    const small = await node({ historySize: 3 });
    const roomId = newRoom();
    const first = await small.publish(roomId, say("alice", "first"));
    // Far past one stream node (100 entries), so MAXLEN ~ really drops entries from Redis.
    for (let index = 0; index < 250; index++) await small.publish(roomId, say("alice", `m${index}`));
    const large = await node({ historySize: 1000 });
    const stream = subscribe(large, roomId, first.id);
    await large.publish(roomId, say("alice", "end"));
    const seen = await readUntilText(stream, "end");
    expect(seen[0]?.kind).toBe("gap");
    const retained = await large.history(roomId, 1000);
    expect(retained.length).toBeLessThan(250);
    expect(seen.slice(1)).toEqual(retained);
  });
});
