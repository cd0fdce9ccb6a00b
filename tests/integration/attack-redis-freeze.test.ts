/**
 * Issue 12, attack I and the start deadline of attack A″: Redis frozen (SIGSTOP) under two nodes.
 * Its connections stay open and nothing is answered, so a node that judged Redis by its sockets
 * answered `/healthz` with 200 while every send failed, and a subscription's start retried
 * forever. Now both nodes say 503 while Redis does not answer and 200 once it does, and a start
 * that cannot read in time fails with SERVICE_UNAVAILABLE and a `retryAfterMs`, so the client
 * knows to come back, and does.
 */
import { randomUUID } from "node:crypto";
import { type WireIncoming, wireRequest } from "@chat/api/wire-kit";
import { redisServerPath } from "@chat/redis-broker/testing";
import { describe, expect, it } from "vitest";
import { CLUSTER_TEST_TIMEOUT_MS, idsOf, RECOVERY_TIMEOUT_MS, startCluster, waitForHealth, waitForIds } from "../fixtures/cluster.js";
import { collectMessages, trpcError, uniqueRoomId, waitFor } from "../fixtures/helpers.js";
import { openWireClient } from "../fixtures/raw-socket.js";

/** Short, so that a node tends its lease (and PINGs Redis) several times a second. */
const nodeEnv = { PRESENCE_REFRESH_MS: "200" };


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
    const raw = await openWireClient(node.url.replace("http:", "ws:") + "/trpc");
    const repliesTo = (id: number): readonly WireIncoming[] => raw.answers.get(id) ?? [];
    const isData = (reply: WireIncoming): boolean => "result" in reply && reply.result.type === "data";

    cluster.redis.pause();
    try {
      raw.send(wireRequest(1, "subscription", "onMessage", { roomId }));
      await waitFor(() => repliesTo(1).some((reply) => "error" in reply), "the start to fail", RECOVERY_TIMEOUT_MS);
    } finally {
      cluster.redis.resume();
    }
    const failure = repliesTo(1).find((reply) => "error" in reply);
    expect(failure).toMatchObject({ error: { data: { code: "SERVICE_UNAVAILABLE", retryAfterMs: expect.any(Number) } } });
    expect(repliesTo(1).filter(isData)).toEqual([]);

    await waitForHealth(node, 200);
    raw.send(wireRequest(2, "subscription", "onMessage", { roomId }));
    await waitFor(() => repliesTo(2).some(isData), "the same subscription to replay the room");
    const replayed = repliesTo(2).flatMap((reply) => ("result" in reply && reply.result.type === "data" ? [(reply.result.data as { id: string }).id] : []));
    expect(replayed).toContain(stored.id);
    expect(repliesTo(2).filter((reply) => "error" in reply)).toEqual([]);
    raw.socket.terminate();
  });
});
