/**
 * Redis with persistence under two chat server processes (issue 5): when Redis and every node
 * restart, the rooms' history is still there and a reader resumes from the id it last saw.
 */
import { redisServerPath } from "@chat/redis-broker/testing";
import { describe, expect, it } from "vitest";
import { CLUSTER_TEST_TIMEOUT_MS, idsOf, sendRounds, startCluster, waitForIds } from "../fixtures/cluster.js";
import { collectMessages, messagesIn, uniqueRoomId } from "../fixtures/helpers.js";

describe.skipIf(redisServerPath === null)("a restart of Redis and every node", { timeout: CLUSTER_TEST_TIMEOUT_MS }, () => {
  it("keeps the history, on both new nodes, and a reader resumes with its lastEventId, receiving each later message once", async () => {
    const cluster = await startCluster({ appendOnly: true });
    const [a, b] = await Promise.all([cluster.startNode(), cluster.startNode()]);
    const roomId = uniqueRoomId("durable");
    const senders = [
      { name: "alice", client: await a.member(roomId, "alice") },
      { name: "bob", client: await b.member(roomId, "bob") },
    ];
    const reader = collectMessages(b.client(), roomId);
    const read = await sendRounds(roomId, senders, "read", 3);
    await waitForIds(reader, idsOf(read), "the reader to receive the first messages");
    const lastEventId = reader.events.at(-1)?.id ?? "";
    reader.stop();
    const unread = await sendRounds(roomId, senders, "unread", 3);
    const beforeRestart = collectMessages(a.client(), roomId);
    await waitForIds(beforeRestart, idsOf(unread), "the room's content before the restart");
    const stored = [...beforeRestart.events];

    // Everything goes down politely, the nodes first, as in a planned restart of the deployment.
    for (const node of [a, b]) expect(await node.signal("SIGTERM")).toEqual({ code: 0, signal: null });
    await cluster.redis.stop();
    await cluster.redis.start();
    const [a2, b2] = await Promise.all([cluster.startNode(), cluster.startNode()]);

    const resumed = collectMessages(a2.client(), roomId, lastEventId);
    const senders2 = [
      { name: "alice", client: await a2.member(roomId, "alice") },
      { name: "bob", client: await b2.member(roomId, "bob") },
    ];
    const after = await sendRounds(roomId, senders2, "after", 2);
    const replays = [a2, b2].map((node) => collectMessages(node.client(), roomId));
    for (const stream of [resumed, ...replays]) await waitForIds(stream, idsOf(after), "the messages sent after the restart");

    // The room as it was before the restart, then whatever came since, the same on both nodes.
    const [replay, replayOnB] = replays;
    if (!replay || !replayOnB) throw new Error("no replay");
    expect(replay.events.slice(0, stored.length)).toEqual(stored);
    expect(replayOnB.events).toEqual(replay.events);

    // The resumed reader gets the room from just after its lastEventId: no gap notice, nothing twice.
    const resumeIndex = idsOf(replay.events).indexOf(lastEventId) + 1;
    expect(resumeIndex).toBeGreaterThan(0);
    expect(resumed.events).toEqual(replay.events.slice(resumeIndex));
    const userTexts = messagesIn(resumed.events).filter((message) => message.kind === "user").map((message) => message.text);
    expect(userTexts).toEqual([...unread, ...after].map((message) => message.text));
    expect(resumed.errors).toEqual([]);

    // joinRoom's history, read last because the join adds to the room, starts with it too.
    const { history } = await b2.client().trpc.joinRoom.mutate({ roomId, username: "carol" });
    expect(history.slice(0, stored.length)).toEqual(stored.map((event) => event.data));
  });
});
