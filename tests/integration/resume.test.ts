import type { ConnectionStatus } from "@chat/client";
import { describe, expect, it } from "vitest";
import { createFlakyNetwork } from "../fixtures/flaky-network.js";
import {
  collectMessages,
  messagesIn,
  collectPresence,
  presentNames,
  texts,
  trpcError,
  uniqueRoomId,
  waitFor,
  within,
} from "../fixtures/helpers.js";
import { startTestServer } from "../fixtures/test-server.js";

describe("resuming after a dropped connection", () => {
  it("a reconnecting subscriber receives exactly what it missed", async () => {
    const app = await startTestServer();
    const network = createFlakyNetwork();
    const subscriber = app.client({ WebSocket: network.WebSocket });
    const sender = app.client();
    const witness = app.client();
    const joinedRoom = uniqueRoomId("joined");
    const readOnlyRoom = uniqueRoomId("readonly");
    await sender.trpc.joinRoom.mutate({ roomId: joinedRoom, username: "sender" });
    await sender.trpc.joinRoom.mutate({ roomId: readOnlyRoom, username: "sender" });
    await subscriber.trpc.joinRoom.mutate({ roomId: joinedRoom, username: "sub" });
    // One room the subscriber joined, one it only reads: both must resume.
    const seen = [collectMessages(subscriber, joinedRoom), collectMessages(subscriber, readOnlyRoom)];
    const reference = [collectMessages(witness, joinedRoom), collectMessages(witness, readOnlyRoom)];
    const rooms = [joinedRoom, readOnlyRoom];

    const sendAll = async (label: string, count: number): Promise<void> => {
      for (let index = 1; index <= count; index++) {
        for (const roomId of rooms) await sender.trpc.sendMessage.mutate({ roomId, text: `${label} ${index}` });
      }
    };
    await sendAll("before", 5);
    await waitFor(() => seen.every((stream) => texts(stream.events).includes("before 5")), "the messages before the cut");

    network.offline = true;
    network.cut();
    await waitFor(() => subscriber.status === "reconnecting", "the subscriber to notice the cut");
    await sendAll("missed", 20);
    network.offline = false;
    await waitFor(() => subscriber.status === "online", "the subscriber to be back online");
    await sendAll("after", 5);

    for (const [index, stream] of seen.entries()) {
      const witnessed = reference[index];
      if (!witnessed) throw new Error("no reference stream");
      await waitFor(
        () => texts(stream.events).includes("after 5") && stream.events.length === witnessed.events.length,
        "the subscriber to catch up with the witness",
      );
      const ids = stream.events.map((event) => event.id);
      expect(ids).toEqual(witnessed.events.map((event) => event.id));
      expect(new Set(ids).size).toBe(ids.length);
      const userTexts = messagesIn(stream.events).filter((message) => message.kind === "user").map((message) => message.text);
      expect(userTexts).toEqual([
        ...Array.from({ length: 5 }, (_, i) => `before ${i + 1}`),
        ...Array.from({ length: 20 }, (_, i) => `missed ${i + 1}`),
        ...Array.from({ length: 5 }, (_, i) => `after ${i + 1}`),
      ]);
      expect(stream.errors).toEqual([]);
    }
    expect(network.sockets.length).toBeGreaterThan(1);
  });

  it("re-joins more rooms than the join burst after a reconnect, waiting out the server's join rate limit", async () => {
    // A burst of 2 and a quick refill: re-joining 5 rooms needs 3 waits of the server's choosing.
    const app = await startTestServer({ JOIN_RATE_BURST: "2", JOIN_RATE_PER_SEC: "20" });
    const network = createFlakyNetwork();
    const alice = app.client({ WebSocket: network.WebSocket });
    const rooms = Array.from({ length: 5 }, () => uniqueRoomId("many"));
    for (const roomId of rooms) {
      await waitFor(
        () => alice.trpc.joinRoom.mutate({ roomId, username: "alice" }).then(() => true, () => false),
        `alice to join ${roomId} at the server's pace`,
      );
    }

    network.cut();
    await waitFor(() => alice.status === "reconnecting", "alice to notice the cut");
    await waitFor(() => alice.status === "online", "alice to be back online");

    // Online means every room is back: a send to the last one needs no join.
    const last = rooms.at(-1) ?? "";
    await within(alice.trpc.sendMessage.mutate({ roomId: last, text: "all rooms back" }), "a send to the last room");
    const members = await Promise.all(rooms.map((roomId) => app.server.broker.members(roomId)));
    expect(members.map((list) => list.map((member) => member.username))).toEqual(rooms.map(() => ["alice"]));
  });

  it("delivers a send made just as the socket drops once, after the re-join, instead of refusing it", async () => {
    const app = await startTestServer();
    const network = createFlakyNetwork();
    const alice = app.client({ WebSocket: network.WebSocket });
    const roomId = uniqueRoomId("race");
    await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });

    // In the same tick as the cut: tRPC queues the send and flushes it on whichever socket is
    // open next, which is the new one, possibly ahead of the re-join.
    network.cut();
    const sent = await within(alice.trpc.sendMessage.mutate({ roomId, text: "mid-drop", clientMessageId: "race-1" }), "the send made as the socket dropped");

    expect(sent).toMatchObject({ roomId, username: "alice", text: "mid-drop" });
    const { history } = await app.client().trpc.joinRoom.mutate({ roomId, username: "bob" });
    expect(history.filter((message) => message.text === "mid-drop")).toHaveLength(1);
  });

  it("re-joins the client's rooms after a reconnect, going reconnecting then online", async () => {
    const app = await startTestServer();
    const network = createFlakyNetwork();
    const statuses: ConnectionStatus[] = [];
    const alice = app.client({ WebSocket: network.WebSocket, onStatusChange: (status) => statuses.push(status) });
    const bob = app.client();
    const roomId = uniqueRoomId("rejoin");
    await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });
    const presence = collectPresence(bob, roomId);
    await presence.started;

    network.offline = true;
    network.cut();
    await waitFor(() => alice.status === "reconnecting", "alice to notice the cut");
    // With the test's 50 ms grace the old connection leaves while alice is offline.
    await waitFor(() => !presentNames(presence.events).includes("alice"), "alice's old connection to leave");
    network.offline = false;
    await waitFor(() => alice.status === "online", "alice to be back online");

    // No joinRoom: the client re-joined on its own, under the same name.
    const sent = await within(alice.trpc.sendMessage.mutate({ roomId, text: "back again" }), "a send after the reconnect");

    expect(sent).toMatchObject({ roomId, username: "alice", kind: "user" });
    expect(statuses).toEqual(["online", "reconnecting", "online"]);
    expect(presentNames(presence.events)).toEqual(["alice"]);
    const { history } = await bob.trpc.joinRoom.mutate({ roomId, username: "bob" });
    // Her second "joined" comes within a minute of her first, so it is left out of the history
    // (join/leave churn must not flush a room); the member list above shows her back.
    expect(history.map((message) => message.text)).toEqual(["alice joined", "alice left", "back again", "bob joined"]);
  });
});

// Regression tests for bugs found in the typed client (packages/client/src/client.ts).
describe("the client's membership around a reconnect", () => {
  it("a sendMessage made while reconnecting is sent once the rooms are re-joined", async () => {
    const app = await startTestServer();
    const network = createFlakyNetwork();
    const alice = app.client({ WebSocket: network.WebSocket });
    const reader = app.client();
    const roomId = uniqueRoomId("offsend");
    await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });
    const messages = collectMessages(reader, roomId);

    network.offline = true;
    network.cut();
    await waitFor(() => alice.status === "reconnecting", "alice to notice the cut");
    // Typed while offline: the client holds it until the rooms are re-joined, then sends it.
    const sending = alice.trpc.sendMessage.mutate({ roomId, text: "typed offline" });
    network.offline = false;
    await waitFor(() => alice.status === "online", "alice to be back online");

    const sent = await within(sending, "the held message to be sent after the re-join");
    expect(sent).toMatchObject({ roomId, username: "alice", text: "typed offline" });
    await waitFor(() => messages.events.some((event) => event.id === sent.id), "the reader to receive it");
    expect(texts(messages.events).filter((text) => text === "typed offline")).toHaveLength(1);
  });

  it("a leaveRoom made while reconnecting is not undone by the automatic re-join", async () => {
    const app = await startTestServer();
    const network = createFlakyNetwork();
    const alice = app.client({ WebSocket: network.WebSocket });
    const bob = app.client();
    const roomId = uniqueRoomId("offleave");
    await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });
    await bob.trpc.joinRoom.mutate({ roomId, username: "bob" });
    const presence = collectPresence(bob, roomId);
    const messages = collectMessages(bob, roomId);
    await presence.started;

    network.offline = true;
    network.cut();
    await waitFor(() => alice.status === "reconnecting", "alice to notice the cut");
    const leaving = alice.trpc.leaveRoom.mutate({ roomId });
    network.offline = false;
    expect(await within(leaving, "the leave to be answered")).toEqual({ roomId });
    await waitFor(() => alice.status === "online", "alice to be back online");
    await bob.trpc.sendMessage.mutate({ roomId, text: "marker" });
    await waitFor(() => texts(messages.events).includes("marker"), "the marker message");

    // The app was told alice left: the room must agree, and she may no longer send to it.
    expect(presentNames(presence.events)).toEqual(["bob"]);
    const error = await trpcError(within(alice.trpc.sendMessage.mutate({ roomId, text: "ghost" }), "the send"));
    expect(error.data?.code).toBe("FORBIDDEN");
  });

  it("close() while reconnecting with a send pending stays closed: no new socket, no re-join", async () => {
    const app = await startTestServer();
    const network = createFlakyNetwork();
    const alice = app.client({ WebSocket: network.WebSocket });
    const roomId = uniqueRoomId("closegate");
    await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });
    network.offline = true;
    network.cut();
    await waitFor(() => alice.status === "reconnecting", "alice to notice the cut");
    // Typed while offline: the client holds it until the rooms are re-joined.
    const sending = alice.trpc.sendMessage.mutate({ roomId, text: "queued" });
    sending.catch(() => undefined);

    await alice.close();
    network.offline = false;

    // ChatClient.close(): "Ends every subscription and closes the socket; no reconnection follows."
    await expect(within(sending, "the pending send to settle")).rejects.toThrow();
    expect(network.sockets).toHaveLength(1);
    expect(alice.status).toBe("closed");
    await waitFor(async () => {
      const health = (await (await fetch(`${app.url}/healthz`)).json()) as { connections: number };
      return health.connections === 0;
    }, "no connection to be left open by the closed client");
  });
});

