/**
 * Redis going away mid-conversation under two chat server processes (issue 5): the nodes stay
 * up and say they cannot serve, refuse what they cannot store, and once Redis is back every
 * acknowledged message is stored and has reached every reader exactly once.
 */
import { randomUUID } from "node:crypto";
import type { AppRouter, ChatClient, ChatMessage } from "@chat/client";
import { redisServerPath } from "@chat/redis-broker/testing";
import { isTRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import { CLUSTER_TEST_TIMEOUT_MS, idsOf, RECOVERY_TIMEOUT_MS, sendRounds, startCluster, waitForHealth, waitForIds } from "../fixtures/cluster.js";
import { collectMessages, sleep, texts, trpcError, uniqueRoomId, waitFor } from "../fixtures/helpers.js";

/**
 * Sends `text` as soon as the store takes it, as a client retrying a refused send would, while
 * Redis is still coming back. Every attempt carries the same `clientMessageId`, so an attempt
 * that was stored although its reply was lost would not be stored twice.
 */
async function sendWhenBack(client: ChatClient, roomId: string, text: string): Promise<ChatMessage> {
  const clientMessageId = randomUUID();
  const stored: ChatMessage[] = [];
  await waitFor(
    async () => {
      try {
        stored.push(await client.trpc.sendMessage.mutate({ roomId, text, clientMessageId }));
        return true;
      } catch (error) {
        if (isTRPCClientError<AppRouter>(error) && error.data?.code === "SERVICE_UNAVAILABLE") return false;
        throw error;
      }
    },
    `"${text}" to be stored once Redis is back`,
    RECOVERY_TIMEOUT_MS,
  );
  const [message] = stored;
  if (!message) throw new Error(`"${text}" was not stored`);
  return message;
}

describe.skipIf(redisServerPath === null)("a Redis restart under two nodes", { timeout: CLUSTER_TEST_TIMEOUT_MS }, () => {
  it(
    "keeps both nodes up, 503 then 200 on /healthz, refuses sends while down, and delivers every acknowledged message once to every reader",
    async () => {
      // Which restart: one that keeps the data. Without persistence every restart empties Redis,
      // a polite one too (the fixture runs with `--save ""`, so SIGTERM writes nothing either),
      // and then no acknowledged message could be "in the history afterwards". So the Redis is
      // append-only with an fsync per write, and it is killed rather than stopped: the harder
      // case, a crash whose connections end without a goodbye, and still nothing acknowledged
      // may be lost, since Redis replied only after the write reached the disk.
      const cluster = await startCluster({ appendOnly: true });
      const [a, b] = await Promise.all([cluster.startNode(), cluster.startNode()]);
      const roomId = uniqueRoomId("outage");
      const alice = await a.member(roomId, "alice");
      const bob = await b.member(roomId, "bob");
      const senders = [
        { name: "alice", client: alice },
        { name: "bob", client: bob },
      ];
      const readers = [a, b].map((node) => collectMessages(node.client(), roomId));
      const before = await sendRounds(roomId, senders, "before", 3);
      for (const reader of readers) await waitForIds(reader, idsOf(before), "the readers to receive the messages before the outage");
      for (const node of [a, b]) expect(await node.health()).toMatchObject({ status: 200, body: { status: "ok" } });

      await cluster.redis.kill();

      for (const node of [a, b]) {
        await waitForHealth(node, 503);
        expect(await node.health()).toMatchObject({ status: 503, body: { status: "unavailable", reason: expect.stringMatching(/\S/) } });
      }
      // Refused at once rather than queued: nothing is acknowledged that Redis did not store.
      const refused = await Promise.all([
        trpcError(alice.trpc.sendMessage.mutate({ roomId, text: "refused alice" })),
        trpcError(bob.trpc.sendMessage.mutate({ roomId, text: "refused bob" })),
        trpcError(a.client().trpc.joinRoom.mutate({ roomId, username: "carol" })),
      ]);
      for (const error of refused) expect(error.data?.code).toBe("SERVICE_UNAVAILABLE");
      // Down for a while, so that the nodes' reconnection attempts fail and back off.
      await sleep(2000);
      await cluster.redis.start();

      // First sends while the nodes may still be reconnecting, so that readers have messages
      // to catch up with; then the nodes must say they are healthy again.
      const backAgain = [await sendWhenBack(alice, roomId, "back alice"), await sendWhenBack(bob, roomId, "back bob")];
      for (const node of [a, b]) {
        await waitForHealth(node, 200);
        expect(await node.health()).toMatchObject({ status: 200, body: { status: "ok" } });
      }
      const after = await sendRounds(roomId, senders, "after", 3);
      const acked = [...before, ...backAgain, ...after];
      for (const reader of readers) await waitForIds(reader, idsOf(acked), "the readers to receive every acknowledged message", RECOVERY_TIMEOUT_MS);

      // What Redis stored, replayed by readers arriving now on either node: every acknowledged
      // message in the order it was acknowledged, and nothing that was refused.
      const replays = [a, b].map((node) => collectMessages(node.client(), roomId));
      for (const replay of replays) await waitForIds(replay, idsOf(acked.slice(-1)), "a replay of the room");
      const [stored] = replays;
      if (!stored) throw new Error("no replay");
      expect(texts(stored.events)).toEqual(["alice joined", "bob joined", ...acked.map((message) => message.text)]);
      for (const replay of replays) expect(replay.events).toEqual(stored.events);
      // Each reader on either node got exactly that: no gap, no duplicate, no error.
      for (const reader of readers) {
        expect(reader.events).toEqual(stored.events);
        expect(reader.errors).toEqual([]);
      }
      for (const node of [a, b]) expect({ code: node.process.child.exitCode, signal: node.process.child.signalCode }).toEqual({ code: null, signal: null });
    },
  );
});
