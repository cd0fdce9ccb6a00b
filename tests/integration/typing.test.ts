import { ManualClock } from "@chat/api";
import type { ChatClient, PresenceEvent } from "@chat/client";
import { TYPING_INTERVAL_MS } from "@chat/api/schema";
import { describe, expect, it } from "vitest";
import { createFlakyNetwork } from "../fixtures/flaky-network.js";
import { type Collected, collectPresence, uniqueRoomId, waitFor, within } from "../fixtures/helpers.js";
import { startTestServer } from "../fixtures/test-server.js";

/** The typing signals a presence stream has carried so far. */
const typingIn = (presence: Collected<PresenceEvent>): PresenceEvent[] =>
  presence.events.filter((event) => event.type === "typing");

/**
 * Has `client` join `roomId` as `username`, then waits for `presence` to show it: a later event
 * on the stream, so anything emitted before the join would already have arrived.
 */
async function joinAsMarker(client: ChatClient, presence: Collected<PresenceEvent>, roomId: string, username: string): Promise<void> {
  await client.trpc.joinRoom.mutate({ roomId, username });
  await waitFor(() => presence.events.some((event) => event.type === "join" && event.username === username), `${username}'s join`);
}

describe("typing signals", () => {
  it("bob sees alice typing, and a second signal right away is not re-broadcast", async () => {
    const app = await startTestServer();
    const alice = app.client();
    const bob = app.client();
    const roomId = uniqueRoomId("typing");
    await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });
    await bob.trpc.joinRoom.mutate({ roomId, username: "bob" });
    const presence = collectPresence(bob, roomId);
    await waitFor(() => presence.events.length > 0, "bob's presence snapshot");

    // Both well inside the real server's 2 s interval: the second succeeds but is not broadcast.
    expect(await alice.trpc.sendTyping.mutate({ roomId })).toEqual({ roomId });
    expect(await alice.trpc.sendTyping.mutate({ roomId })).toEqual({ roomId });
    await joinAsMarker(app.client(), presence, roomId, "carol");

    expect(typingIn(presence)).toEqual([{ type: "typing", roomId, username: "alice" }]);
    expect(presence.errors).toEqual([]);
  });

  it("broadcasts alice's typing again once the server's clock has passed the interval", async () => {
    const clock = new ManualClock();
    const app = await startTestServer({}, { clock });
    const alice = app.client();
    const roomId = uniqueRoomId("typing-again");
    await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });
    const presence = collectPresence(app.client(), roomId);
    await waitFor(() => presence.events.length > 0, "the presence snapshot");

    await alice.trpc.sendTyping.mutate({ roomId });
    clock.advance(TYPING_INTERVAL_MS);
    await alice.trpc.sendTyping.mutate({ roomId });
    await waitFor(() => typingIn(presence).length === 2, "the second typing signal");
  });

  it("a sendTyping made while reconnecting is sent once the rooms are re-joined, not refused", async () => {
    const app = await startTestServer();
    const network = createFlakyNetwork();
    const alice = app.client({ WebSocket: network.WebSocket });
    const roomId = uniqueRoomId("offtyping");
    await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });
    const presence = collectPresence(app.client(), roomId);
    await waitFor(() => presence.events.length > 0, "the presence snapshot");

    network.offline = true;
    network.cut();
    await waitFor(() => alice.status === "reconnecting", "alice to notice the cut");
    const typing = alice.trpc.sendTyping.mutate({ roomId });
    network.offline = false;

    expect(await within(typing, "the held typing signal to be answered")).toEqual({ roomId });
    await waitFor(() => typingIn(presence).length === 1, "the typing signal after the re-join");
    expect(typingIn(presence)).toEqual([{ type: "typing", roomId, username: "alice" }]);
  });
});
