import { CONNECTION_CUT_CLOSE_CODE } from "@chat/client";
import { describe, expect, it } from "vitest";
import { collectPresence, presentNames, uniqueRoomId, waitFor, within } from "../fixtures/helpers.js";
import { openWireClient } from "../fixtures/raw-socket.js";
import { startTestServer } from "../fixtures/test-server.js";

describe("heartbeat", () => {
  it("terminates a client that stops answering after HEARTBEAT_INTERVAL_MS + HEARTBEAT_TIMEOUT_MS, and the room sees it leave", async () => {
    const app = await startTestServer({ HEARTBEAT_INTERVAL_MS: "100", HEARTBEAT_TIMEOUT_MS: "300" });
    const roomId = uniqueRoomId("heartbeat");
    const alice = app.client();
    await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });
    const presence = collectPresence(alice, roomId);
    await presence.started;
    // Answers neither WebSocket pings (`autoPong: false`) nor tRPC's "PING" messages.
    const mute = await openWireClient(app.wsUrl, { autoPong: false });
    await mute.mutate("joinRoom", { roomId, username: "mute" });
    await waitFor(() => presentNames(presence.events).includes("mute"), "alice to see mute join");

    expect(await within(mute.closed, "the silent client to be terminated")).toBe(CONNECTION_CUT_CLOSE_CODE);

    await waitFor(() => !presentNames(presence.events).includes("mute"), "alice to see mute leave");
    // Alice's client answers the same pings, so she stays, and so does her connection.
    expect(presentNames(presence.events)).toEqual(["alice"]);
    expect(alice.status).toBe("online");
    await alice.trpc.sendMessage.mutate({ roomId, text: "still here" });
  });
});
