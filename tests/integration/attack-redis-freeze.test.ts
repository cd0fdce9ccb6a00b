/**
 * Issue 12, attack I and the start deadline of attack A″: Redis frozen (SIGSTOP) under two nodes.
 * Its connections stay open and nothing is answered, so a node that judged Redis by its sockets
 * answered `/healthz` with 200 while every send failed, and a subscription's start retried
 * forever. Now both nodes say 503 while Redis does not answer and 200 once it does, and a start
 * that cannot read in time fails with SERVICE_UNAVAILABLE and a `retryAfterMs`, so the client
 * knows to come back, and does.
 */
import { randomUUID } from "node:crypto";
import { redisServerPath } from "@chat/redis-broker/testing";
import { describe, expect, it } from "vitest";
import { CLUSTER_TEST_TIMEOUT_MS, idsOf, RECOVERY_TIMEOUT_MS, startCluster, waitForHealth, waitForIds } from "../fixtures/cluster.js";
import { collectMessages, trpcError, uniqueRoomId, waitFor } from "../fixtures/helpers.js";
import { openRawSocket } from "../fixtures/raw-socket.js";

/** Short, so that a node tends its lease (and PINGs Redis) several times a second. */
const nodeEnv = { PRESENCE_REFRESH_MS: "200" };

/** A reply of the tRPC wire protocol, as far as these tests read it. */
interface WireReply {
  id?: unknown;
  result?: { type?: string; data?: { json?: { id?: string } } };
  error?: { json?: { data?: { code?: string; retryAfterMs?: unknown } } };
}

/** One `onMessage` subscription request of the wire protocol. */
function onMessageFrame(id: number, roomId: string): string {
  return JSON.stringify({ id, method: "subscription", params: { path: "onMessage", input: { json: { roomId } } } });
}

describe.skipIf(redisServerPath === null)("a frozen Redis under two nodes", { timeout: CLUSTER_TEST_TIMEOUT_MS }, () => {
  it("answers /healthz with 503 on both nodes while Redis is frozen, and 200 once it answers again, losing no acknowledged message", async () => {
    const cluster = await startCluster();
    const [a, b] = await Promise.all([cluster.startNode(nodeEnv), cluster.startNode(nodeEnv)]);
    const roomId = uniqueRoomId("frozen");
    const honest = await b.member(roomId, "honest");
    const reader = collectMessages(a.client(), roomId);
    await reader.started;
    const before = await honest.trpc.sendMessage.mutate({ roomId, text: "before the freeze" });

    cluster.redis.pause();
    try {
      for (const node of [a, b]) {
        await waitForHealth(node, 503);
        expect(await node.health()).toMatchObject({ status: 503, body: { status: "unavailable", reason: expect.stringMatching(/Redis/) } });
      }
      // What /healthz now says is true: a send cannot be stored.
      const clientMessageId = randomUUID();
      const refused = await trpcError(honest.trpc.sendMessage.mutate({ roomId, text: "during the freeze", clientMessageId }));
      expect(refused.data?.code).toBe("SERVICE_UNAVAILABLE");
    } finally {
      cluster.redis.resume();
    }

    for (const node of [a, b]) await waitForHealth(node, 200);
    const after = await honest.trpc.sendMessage.mutate({ roomId, text: "after the freeze" });
    await waitForIds(reader, idsOf([before, after]), "the reader on the other node to receive both messages", RECOVERY_TIMEOUT_MS);
    expect(reader.errors).toEqual([]);
    for (const node of [a, b]) {
      expect({ code: node.process.child.exitCode, signal: node.process.child.signalCode }).toEqual({ code: null, signal: null });
    }
  });

  it("fails a subscription whose start cannot be read with SERVICE_UNAVAILABLE and a retryAfterMs, and the same subscription works once Redis is back", async () => {
    const cluster = await startCluster();
    const node = await cluster.startNode(nodeEnv);
    const roomId = uniqueRoomId("frozen-start");
    const sender = await node.member(roomId, "sender");
    const stored = await sender.trpc.sendMessage.mutate({ roomId, text: "stored before" });
    const raw = await openRawSocket(node.url.replace("http:", "ws:") + "/trpc");
    const repliesTo = (id: number): WireReply[] => (raw.received as WireReply[]).filter((reply) => reply.id === id);

    cluster.redis.pause();
    try {
      raw.socket.send(onMessageFrame(1, roomId));
      await waitFor(() => repliesTo(1).some((reply) => reply.error !== undefined), "the start to fail", RECOVERY_TIMEOUT_MS);
    } finally {
      cluster.redis.resume();
    }
    const failure = repliesTo(1).find((reply) => reply.error !== undefined);
    expect(failure?.error?.json?.data).toMatchObject({ code: "SERVICE_UNAVAILABLE", retryAfterMs: expect.any(Number) });
    expect(repliesTo(1).filter((reply) => reply.result?.type === "data")).toEqual([]);

    await waitForHealth(node, 200);
    raw.socket.send(onMessageFrame(2, roomId));
    await waitFor(() => repliesTo(2).some((reply) => reply.result?.type === "data"), "the same subscription to replay the room");
    const replayed = repliesTo(2).flatMap((reply) => (reply.result?.type === "data" ? [reply.result.data?.json?.id] : []));
    expect(replayed).toContain(stored.id);
    expect(repliesTo(2).filter((reply) => reply.error !== undefined)).toEqual([]);
    raw.socket.terminate();
  });
});
