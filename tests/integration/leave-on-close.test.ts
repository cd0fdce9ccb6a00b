import type { ConnectionStatus } from "@chat/client";
import { describe, expect, it } from "vitest";
import { createFlakyNetwork } from "../fixtures/flaky-network.js";
import { collectMessages, collectPresence, presentNames, texts, uniqueRoomId, waitFor } from "../fixtures/helpers.js";
import { startTestServer } from "../fixtures/test-server.js";
import { WatchedBroker } from "../fixtures/watched-broker.js";

describe("closing a connection leaves its rooms", () => {
  it("leaves every room the closed connection joined: others see the leave and the left message", async () => {
    const app = await startTestServer();
    const alice = app.client();
    const bob = app.client();
    const work = uniqueRoomId("work");
    const home = uniqueRoomId("home");
    await alice.trpc.joinRoom.mutate({ roomId: work, username: "alice" });
    await alice.trpc.joinRoom.mutate({ roomId: home, username: "ally" });
    const watched = [work, home].map((roomId) => ({
      messages: collectMessages(bob, roomId),
      presence: collectPresence(bob, roomId),
    }));
    await Promise.all(watched.map(({ presence }) => presence.started));

    await alice.close();

    const [atWork, atHome] = watched;
    if (!atWork || !atHome) throw new Error("missing streams");
    await waitFor(() => texts(atWork.messages.events).includes("alice left"), "alice's left message at work");
    await waitFor(() => texts(atHome.messages.events).includes("ally left"), "ally's left message at home");
    await waitFor(() => atWork.presence.events.length >= 2 && atHome.presence.events.length >= 2, "the leave events");
    expect(atWork.presence.events.at(-1)).toEqual({ type: "leave", roomId: work, username: "alice" });
    expect(atHome.presence.events.at(-1)).toEqual({ type: "leave", roomId: home, username: "ally" });
    expect(atWork.messages.events.at(-1)?.data).toMatchObject({ kind: "system", username: "alice", text: "alice left" });
    expect(atHome.messages.events.at(-1)?.data).toMatchObject({ kind: "system", username: "ally", text: "ally left" });
  });

  it("leaves the rooms of a connection that dropped without a close handshake", async () => {
    const app = await startTestServer();
    const network = createFlakyNetwork();
    const alice = app.client({ WebSocket: network.WebSocket });
    const roomId = uniqueRoomId("dropped");
    await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });
    const presence = collectPresence(app.client(), roomId);
    await waitFor(() => presentNames(presence.events).includes("alice"), "alice to be present");

    // The network never comes back, so the client cannot re-join.
    network.offline = true;
    network.cut();

    await waitFor(() => presence.events.some((event) => event.type === "leave"), "alice's leave");
    expect(presence.events.at(-1)).toEqual({ type: "leave", roomId, username: "alice" });
  });

  it("with the default grace, the others see the leave within 10 s", async () => {
    const app = await startTestServer({ LEAVE_GRACE_MS: "" });
    const alice = app.client();
    const roomId = uniqueRoomId("grace");
    await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });
    const presence = collectPresence(app.client(), roomId);
    await waitFor(() => presentNames(presence.events).includes("alice"), "alice to be present");

    await alice.close();

    await waitFor(() => presence.events.some((event) => event.type === "leave"), "alice's leave within 10 s", 10_000);
    expect(presence.events.at(-1)).toEqual({ type: "leave", roomId, username: "alice" });
  });

  it("a reconnect within the grace shows no left or joined messages to the others", async () => {
    const broker = new WatchedBroker();
    const app = await startTestServer({ LEAVE_GRACE_MS: "" }, { broker });
    const network = createFlakyNetwork();
    const statuses: ConnectionStatus[] = [];
    const alice = app.client({ WebSocket: network.WebSocket, onStatusChange: (status) => statuses.push(status) });
    const bob = app.client();
    const roomId = uniqueRoomId("blip");
    await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });
    await bob.trpc.joinRoom.mutate({ roomId, username: "bob" });
    const messages = collectMessages(bob, roomId);
    const presence = collectPresence(bob, roomId);
    await presence.started;
    const firstHolder = broker.added.find((call) => call.username === "alice")?.holderId;

    network.cut();
    await waitFor(() => statuses.includes("reconnecting") && alice.status === "online", "alice to reconnect");
    // Wait until the old connection's grace is over and it has left, rather than sleeping.
    await waitFor(() => broker.removed.some((call) => call.holderId === firstHolder), "the old connection to leave", 10_000);
    await bob.trpc.sendMessage.mutate({ roomId, text: "marker" });
    await waitFor(() => texts(messages.events).includes("marker"), "the marker message");

    expect(texts(messages.events)).toEqual(["alice joined", "bob joined", "marker"]);
    expect(presence.events).toEqual([{ type: "snapshot", roomId, members: [{ username: "alice" }, { username: "bob" }] }]);
    expect((await alice.trpc.sendMessage.mutate({ roomId, text: "still here" })).username).toBe("alice");
  });
});
