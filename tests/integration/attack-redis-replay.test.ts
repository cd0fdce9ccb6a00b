/**
 * Issue 12, attack A″: replay amplification against two nodes on one Redis. One raw socket asks
 * node A for 100 `onMessage` subscriptions of a room of 1,000 messages of 8 KB, then stops
 * reading. Each start used to read the room's whole history (1,001 entries) and retry it forever
 * after the 2 s command timeout, which grew Redis from 28 MB to 5.9 GB and refused 297 of 314
 * honest sends on node B. Now a start reads only the replay window (101 entries), the starts of
 * one room in one turn share that read, and a start that cannot read in time gives up.
 */
import { encodeFrame, wireRequest } from "@chat/api/wire-kit";
import { RedisBroker } from "@chat/redis-broker";
import { redisServerPath } from "@chat/redis-broker/testing";
import { describe, expect, it } from "vitest";
import { CLUSTER_TEST_TIMEOUT_MS, idsOf, startCluster, waitForIds } from "../fixtures/cluster.js";
import { collectMessages, sleep, uniqueRoomId, waitFor } from "../fixtures/helpers.js";
import { openTappedSocket } from "../fixtures/raw-socket.js";

/** 2,000 emoji: the longest text a message may have, 8 KB of UTF-8. */
const LONG_TEXT = "😀".repeat(2000);
const ROOM_MESSAGES = 1000;
const SUBSCRIPTIONS = 100;
/** The server runs at most 20 requests of one frame (REQUESTS_PER_FRAME_MAX). */
const PER_FRAME = 20;
const HONEST_SENDS = 50;
/**
 * What the attack may add to Redis's `used_memory` over the filled room: the replies of one
 * shared window read per frame (5 × 101 entries × 8 KB, about 4 MB) waiting in node A's output
 * buffer at once, four times over. Reading the whole history per start, as before the fix, is
 * 8 MB a start; the same attack then added 5.9 GB.
 */
const REDIS_GROWTH_BUDGET_BYTES = 16 * 1024 * 1024;

/** Fills `roomId` with `count` long messages through a broker of the cluster's own, as a busy room would have. */
async function fillRoom(redisUrl: string, roomId: string, count: number): Promise<void> {
  const filler = new RedisBroker({ url: redisUrl });
  try {
    await filler.ready();
    for (let sent = 0; sent < count; sent += 50) {
      await Promise.all(Array.from({ length: 50 }, () => filler.publish(roomId, { kind: "user", username: "filler", text: LONG_TEXT })));
    }
  } finally {
    await filler.close();
  }
}

/** One frame of `count` `onMessage` subscriptions to `roomId`, ids from `firstId`. */
function subscriptionFrame(roomId: string, firstId: number, count: number): string {
  return encodeFrame(Array.from({ length: count }, (_, index) => wireRequest(firstId + index, "subscription", "onMessage", { roomId })));
}

describe.skipIf(redisServerPath === null)("attack A″: replay amplification on two nodes over Redis", { timeout: CLUSTER_TEST_TIMEOUT_MS * 2 }, () => {
  it("keeps Redis within its budget while an honest client on the other node sends and receives every message", async () => {
    const cluster = await startCluster();
    // Node A lets every subscription through its per-connection budget: the bound under test
    // here is the broker's, not the server's.
    const [a, b] = await Promise.all([cluster.startNode({ SUBSCRIBE_RATE_BURST: "1000" }), cluster.startNode()]);
    const roomId = uniqueRoomId("replay");
    await fillRoom(cluster.redis.url, roomId, ROOM_MESSAGES);
    const usedMemory = async (): Promise<number> => Number((await cluster.redis.info("memory")).used_memory);
    const filled = await usedMemory();

    // Sampled all along, so a peak between two checks is not missed.
    let peak = filled;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await usedMemory());
        await sleep(50);
      }
    })();

    try {
      const attacker = await openTappedSocket(a.url.replace("http:", "ws:") + "/trpc");
      const answered = new Map<unknown, "started" | "refused">();
      attacker.socket.on("message", (data) => {
        const reply = JSON.parse(String(data)) as { id?: unknown; error?: unknown; result?: { type?: string } };
        if (reply.error !== undefined) answered.set(reply.id, "refused");
        else if (reply.result?.type === "started") answered.set(reply.id, "started");
      });
      for (let frame = 0; frame < SUBSCRIPTIONS / PER_FRAME; frame++) {
        attacker.socket.send(subscriptionFrame(roomId, 1 + frame * PER_FRAME, PER_FRAME));
      }
      // Every subscription was taken: the attack reached the broker in full.
      await waitFor(() => answered.size === SUBSCRIPTIONS, "node A to answer every subscription");
      expect([...answered.values()].every((answer) => answer === "started")).toBe(true);
      // From now on it reads nothing, so the node's replays back up.
      attacker.tcp.pause();

      const honest = await b.member(roomId, "honest");
      const reader = collectMessages(honest, roomId);
      await reader.started;
      const acknowledged = [];
      for (let index = 0; index < HONEST_SENDS; index++) {
        acknowledged.push(await honest.trpc.sendMessage.mutate({ roomId, text: `honest ${index}` }));
      }
      await waitForIds(reader, idsOf(acknowledged), "the honest reader to receive every acknowledged message");
      expect(reader.errors).toEqual([]);
      attacker.socket.terminate();
    } finally {
      sampling = false;
      await sampler;
    }

    expect(peak - filled).toBeLessThan(REDIS_GROWTH_BUDGET_BYTES);
    // Within budget by design, not because Redis cut node A off at its output buffer limit.
    expect(a.process.stdout).not.toContain('"redis_disconnected"');
    for (const node of [a, b]) {
      expect((await node.health()).status).toBe(200);
      expect({ code: node.process.child.exitCode, signal: node.process.child.signalCode }).toEqual({ code: null, signal: null });
    }
  });
});
