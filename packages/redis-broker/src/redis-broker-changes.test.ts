/**
 * Edits, deletions and reactions across nodes: brokers sharing one Redis change the same messages
 * at once and all of it takes effect (read, apply, compare-and-set, retry), every reader on every
 * node sees the same changes in the same order, and once a message is deleted no read on any node
 * returns its text.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type ChangeRequest, type MessageDraft, quoteOf } from "@chat/api";
import type { ChatEvent } from "@chat/api/schema";
import { readUntilText } from "@chat/api/testing";
import { type RedisServer, redisServerPath, startRedisServer } from "./testing/redis-server.js";
import { RedisBroker } from "./redis-broker.js";
import type { RedisBrokerOptions } from "./redis-broker-options.js";
import { RedisKeys } from "./redis-keys.js";

const say = (username: string, text: string, extra: Partial<MessageDraft> = {}): MessageDraft => ({ kind: "user", username, text, authorId: `id-${username}`, ...extra });
const react = (username: string, emoji: string, on = true): ChangeRequest => ({ change: { type: "react", emoji, username, on }, actorId: `id-${username}` });
const edit = (username: string, text: string): ChangeRequest => ({ change: { type: "edit", text, mentions: [] }, actorId: `id-${username}` });
const remove = (username: string): ChangeRequest => ({ change: { type: "delete" }, actorId: `id-${username}` });
const idsOf = (events: readonly ChatEvent[]): string[] => events.map((event) => event.id);

// Liveness bounds only.
describe.skipIf(redisServerPath === null)("RedisBroker changes across nodes", { timeout: 20_000 }, () => {
  let redis: RedisServer;
  let inspector: Redis;
  let prefix: string;
  let brokers: RedisBroker[] = [];
  let controllers: AbortController[] = [];
  let rooms = 0;

  beforeAll(async () => {
    redis = await startRedisServer();
    inspector = new Redis(redis.url);
  });
  afterAll(async () => {
    inspector?.disconnect();
    await redis?.dispose();
  });
  beforeEach(() => {
    prefix = `changes-${randomUUID()}:`;
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
  const newRoom = (): string => `c-${++rooms}`;
  const subscribe = (broker: RedisBroker, roomId: string, afterId: string | null = null): AsyncIterator<ChatEvent> => {
    const controller = new AbortController();
    controllers.push(controller);
    return broker.messages(roomId, afterId, controller.signal)[Symbol.asyncIterator]();
  };

  it("lands every one of many reactions made at once on two nodes, and shows every reader the same updates in the same order", async () => {
    const [a, b] = [await node(), await node()];
    const roomId = newRoom();
    const message = await a.publish(roomId, say("alice", "vote"));
    const [onA, onB] = [subscribe(a, roomId), subscribe(b, roomId)];
    const people = Array.from({ length: 40 }, (_, index) => `p${index}`);
    // Half on each node, with two emoji, all at the same moment: the same message conflicts.
    await Promise.all(people.map((person, index) => (index % 2 === 0 ? a : b).change(roomId, message.id, react(person, index % 4 < 2 ? "👍" : "🎉"))));
    await b.publish(roomId, say("bob", "end"));
    const [seenOnA, seenOnB] = await Promise.all([readUntilText(onA, "end"), readUntilText(onB, "end")]);
    expect(seenOnB).toEqual(seenOnA);
    const updates = seenOnA.filter((event) => event.kind === "update");
    expect(updates).toHaveLength(people.length);
    // Each update adds one name to the one before it: none was applied to a stale state.
    expect(updates.map((event) => event.message.reactions.flatMap((reaction) => reaction.usernames).length)).toEqual(people.map((_, index) => index + 1));
    const final = await b.message(roomId, message.id);
    expect(final?.reactions.flatMap((reaction) => reaction.usernames).sort()).toEqual([...people].sort());
    expect(updates.at(-1)?.kind === "update" && updates.at(-1)).toMatchObject({ message: final });
    expect(await a.message(roomId, message.id)).toEqual(final);
    expect(await a.history(roomId, 10)).toEqual(await b.history(roomId, 10));
    // A reader that starts afterwards replays the same events, the updates as they were and the
    // message as it is now, as history shows it.
    const replayed = await readUntilText(subscribe(b, roomId), "end");
    expect(idsOf(replayed)).toEqual(idsOf(seenOnA));
    expect(replayed.slice(1)).toEqual(seenOnA.slice(1));
    expect(replayed[0]).toEqual(final);
  });

  it("lets an edit on one node and reactions on another, at once, all take effect", async () => {
    const [a, b] = [await node(), await node()];
    const roomId = newRoom();
    const message = await a.publish(roomId, say("alice", "draft"));
    const [edited] = await Promise.all([
      b.change(roomId, message.id, edit("alice", "final")),
      a.change(roomId, message.id, react("bob", "👍")),
      b.change(roomId, message.id, react("carol", "👍")),
    ]);
    expect(edited.text).toBe("final");
    for (const broker of [a, b]) {
      expect(await broker.message(roomId, message.id)).toMatchObject({ text: "final", editedAt: expect.any(Date), reactions: [{ emoji: "👍", usernames: expect.arrayContaining(["bob", "carol"]) }] });
    }
  });

  it("lets the author edit and delete from any node, and nobody else", async () => {
    const [a, b] = [await node(), await node()];
    const roomId = newRoom();
    const message = await a.publish(roomId, say("alice", "mine"));
    await expect(b.change(roomId, message.id, { ...edit("alice", "x"), actorId: "id-mallory" })).rejects.toMatchObject({ reason: "NOT_AUTHOR" });
    expect(await b.change(roomId, message.id, edit("alice", "mine, edited"))).toMatchObject({ text: "mine, edited" });
    expect(await a.change(roomId, message.id, remove("alice"))).toMatchObject({ deleted: true, text: "" });
  });

  it("returns a deleted message's text from no read on any node, nor in a quote of it, and keeps none in its states", async () => {
    const [a, b] = [await node(), await node()];
    const roomId = newRoom();
    const live = subscribe(a, roomId);
    const secret = await a.publish(roomId, say("alice", "the secret word"), { clientMessageId: "c-1" });
    await b.change(roomId, secret.id, edit("alice", "the secret word, edited"));
    await a.change(roomId, secret.id, react("bob", "🤫"));
    const reply = await b.publish(roomId, say("bob", "shh", { replyTo: quoteOf(secret) }));
    expect(reply.replyTo?.text).toBe("the secret word");
    await b.change(roomId, secret.id, remove("alice"));
    await a.publish(roomId, say("alice", "end"));
    // A reader that was there all along saw the text before the deletion: that cannot be taken back.
    await readUntilText(live, "end");
    const shown: unknown[] = [];
    for (const broker of [a, b]) {
      shown.push(await broker.history(roomId, 50), await broker.historyPage(roomId, null, 50), await broker.message(roomId, secret.id));
      shown.push(await broker.message(roomId, reply.id), await broker.search(roomId, "secret", 10));
      shown.push(await readUntilText(subscribe(broker, roomId), "end"), await readUntilText(subscribe(broker, roomId, secret.id), "end"));
      shown.push(await broker.publish(roomId, say("alice", "the secret word"), { clientMessageId: "c-1" }));
    }
    expect(JSON.stringify(shown)).not.toContain("secret");
    expect(await b.search(roomId, "secret", 10)).toEqual([]);
    expect(await a.message(roomId, reply.id)).toMatchObject({ text: "shh", replyTo: { id: secret.id, username: "alice", text: "" } });
    // A reply sent on the other node after the deletion, from a quote read before it, stores it empty.
    const late = await a.publish(roomId, say("carol", "what?", { replyTo: quoteOf(secret) }));
    expect(late.replyTo).toEqual({ id: secret.id, username: "alice", text: "" });
    const states = await inspector.hvals(new RedisKeys(prefix).states(roomId));
    expect(states.join("\n")).not.toContain("secret");
  });

  it("delivers changes made while a node's subscription was cut, once and in order", async () => {
    const [a, b] = [await node(), await node()];
    const roomId = newRoom();
    const message = await b.publish(roomId, say("bob", "before"));
    const onA = subscribe(a, roomId);
    await readUntilText(onA, "before");
    const admin = new Redis(redis.url);
    try {
      await admin.call("CLIENT", "KILL", "TYPE", "pubsub");
    } finally {
      admin.disconnect();
    }
    const changed = [await b.change(roomId, message.id, react("carol", "👍")), await b.change(roomId, message.id, edit("bob", "after"))];
    await b.publish(roomId, say("bob", "end"));
    const seen = await readUntilText(onA, "end");
    expect(seen.map((event) => event.kind)).toEqual(["update", "update", "user"]);
    expect(seen.flatMap((event) => (event.kind === "update" ? [event.message] : []))).toEqual(changed);
    expect(idsOf(seen)).toEqual(idsOf(await readUntilText(subscribe(b, roomId, message.id), "end")));
  });

  it("keeps the states of no more messages than the stream holds, plus a bounded slack, however many were changed", async () => {
    const broker = await node({ historySize: 5 });
    const roomId = newRoom();
    const keys = new RedisKeys(prefix);
    for (let index = 0; index < 300; index++) {
      const message = await broker.publish(roomId, say("alice", `m${index}`));
      await broker.change(roomId, message.id, react("bob", "👍"));
    }
    const [held, length] = await Promise.all([inspector.hlen(keys.states(roomId)), inspector.xlen(keys.stream(roomId))]);
    expect(held).toBeLessThanOrEqual(length + 101);
    expect(await broker.history(roomId, 5)).toEqual(expect.arrayContaining([expect.objectContaining({ reactions: [{ emoji: "👍", usernames: ["bob"] }] })]));
  });
});
