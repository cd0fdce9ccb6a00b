/**
 * Two chat server processes on one Redis (issue 5): a room is one room whichever node a client
 * uses, with one order, one history, and resume on any node from an id another node handed out.
 */
import type { ChatMessage } from "@chat/client";
import { JOIN_HISTORY_LIMIT } from "@chat/api/schema";
import { redisServerPath } from "@chat/redis-broker/testing";
import { describe, expect, it } from "vitest";
import { CLUSTER_TEST_TIMEOUT_MS, idsOf, sendRounds, startCluster, waitForIds } from "../fixtures/cluster.js";
import { createFlakyNetwork } from "../fixtures/flaky-network.js";
import { collectMessages, texts, uniqueRoomId, waitFor } from "../fixtures/helpers.js";

/** Messages each of the four senders of the ordering test sends, all at once with the others. */
const PER_SENDER = 10;

describe.skipIf(redisServerPath === null)("two nodes on one Redis", { timeout: CLUSTER_TEST_TIMEOUT_MS }, () => {
  it("readers on both nodes see the same messages in the same order, and both nodes replay and return the same history", async () => {
    const cluster = await startCluster();
    const [a, b] = await Promise.all([cluster.startNode(), cluster.startNode()]);
    const roomId = uniqueRoomId("shared");
    const readers = [a, a, b, b].map((node) => collectMessages(node.client(), roomId));
    await Promise.all(readers.map((reader) => reader.started));

    // Two senders per node, all at once: each node stores while the other does, so the room's
    // order is decided by Redis, and every reader must still agree on it.
    const senders = [
      { name: "a1", node: a },
      { name: "a2", node: a },
      { name: "b1", node: b },
      { name: "b2", node: b },
    ];
    const sentBy = await Promise.all(
      senders.map(async ({ name, node }) => {
        const client = await node.member(roomId, name);
        const sent: ChatMessage[] = [];
        for (let index = 1; index <= PER_SENDER; index++) sent.push(await client.trpc.sendMessage.mutate({ roomId, text: `${name} ${index}` }));
        return sent;
      }),
    );
    const acked = sentBy.flat();
    for (const reader of readers) await waitForIds(reader, idsOf(acked), "every reader to receive every acknowledged message");

    const [reference, ...others] = readers;
    if (!reference) throw new Error("no reader");
    // Nothing is sent until the late joins below, so this is the room's whole content.
    const seen = [...reference.events];
    for (const other of others) expect(other.events).toEqual(seen);
    expect(new Set(idsOf(seen)).size).toBe(seen.length);
    expect(texts(seen).filter((text) => text.endsWith(" joined")).sort()).toEqual(["a1 joined", "a2 joined", "b1 joined", "b2 joined"]);
    for (const [index, { name }] of senders.entries()) {
      // Each sender waited for every reply, so its own messages keep the order it sent them in.
      const own = seen.filter((event) => event.data.kind === "user" && event.data.username === name);
      expect(idsOf(own)).toEqual(idsOf(sentBy[index] ?? []));
    }
    for (const reader of readers) expect(reader.errors).toEqual([]);

    // A reader arriving now replays the stored room, from either node, as the live readers saw it.
    const replays = [a, b].map((node) => collectMessages(node.client(), roomId));
    const lastId = seen.at(-1)?.id ?? "";
    for (const replay of replays) {
      await waitForIds(replay, [lastId], "the replay to reach the last message");
      expect(replay.events).toEqual(seen);
    }

    // joinRoom's history is the same from both nodes: the room's latest messages, then the join.
    const fromA = await a.client().trpc.joinRoom.mutate({ roomId, username: "late-a" });
    const fromB = await b.client().trpc.joinRoom.mutate({ roomId, username: "late-b" });
    expect(fromA.history.at(-1)).toMatchObject({ kind: "system", username: "late-a", text: "late-a joined" });
    expect(fromA.history.slice(0, -1)).toEqual(seen.map((event) => event.data).slice(-(JOIN_HISTORY_LIMIT - 1)));
    expect(fromB.history.at(-1)).toMatchObject({ kind: "system", username: "late-b", text: "late-b joined" });
    expect(fromB.history.slice(0, -1)).toEqual(fromA.history.slice(-(JOIN_HISTORY_LIMIT - 1)));
  });

  it("a reader that drops from node B and resumes on node A with its lastEventId receives exactly what it missed", async () => {
    const cluster = await startCluster();
    const [a, b] = await Promise.all([cluster.startNode(), cluster.startNode()]);
    const roomId = uniqueRoomId("moved");
    const senders = [
      { name: "alice", client: await a.member(roomId, "alice") },
      { name: "bob", client: await b.member(roomId, "bob") },
    ];
    const witness = collectMessages(a.client(), roomId);
    const network = createFlakyNetwork();
    const reader = b.client({ WebSocket: network.WebSocket });
    const onB = collectMessages(reader, roomId);

    const before = await sendRounds(roomId, senders, "before", 3);
    await waitForIds(onB, idsOf(before), "the reader on B to receive the first messages");
    const lastEventId = onB.events.at(-1)?.id ?? "";
    // The network never comes back for this client: it moves to node A, as behind a load
    // balancer whose node B went away for it.
    network.offline = true;
    network.cut();
    await waitFor(() => reader.status === "reconnecting", "the reader to notice the drop");
    const missed = await sendRounds(roomId, senders, "missed", 5);

    const resumed = collectMessages(a.client(), roomId, lastEventId);
    const after = await sendRounds(roomId, senders, "after", 3);
    const lastIds = idsOf(after.slice(-1));
    await waitForIds(witness, lastIds, "the witness to receive the last message");
    await waitForIds(resumed, lastIds, "the resumed reader to receive the last message");

    // Only user messages were stored after the drop (nobody joined or left), so this is all of it.
    expect(texts(resumed.events)).toEqual([...missed, ...after].map((message) => message.text));
    // Node A's witness saw, in one stream, what the reader got on B and then on A.
    const dropIndex = idsOf(witness.events).indexOf(lastEventId) + 1;
    expect(dropIndex).toBeGreaterThan(0);
    expect(onB.events).toEqual(witness.events.slice(0, dropIndex));
    expect(resumed.events).toEqual(witness.events.slice(dropIndex));
    expect(resumed.errors).toEqual([]);
  });
});
