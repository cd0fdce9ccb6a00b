import { isTRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import { FailingBroker } from "../fixtures/failing-broker.js";
import { collectMessages, texts, uniqueRoomId, waitFor } from "../fixtures/helpers.js";
import { startLoggedServer } from "../fixtures/logged-server.js";

describe("errors stay where they happen", () => {
  it("reports a subscription whose broker stream fails to that client, logs it with context, and nobody else notices", async () => {
    const broker = new FailingBroker();
    const app = await startLoggedServer({}, { broker });
    const healthyRoom = uniqueRoomId("healthy");
    const brokenRoom = uniqueRoomId("broken");
    broker.failingRooms.add(brokenRoom);
    const alice = app.client();
    const bob = app.client();
    const victim = app.client();
    await alice.trpc.joinRoom.mutate({ roomId: healthyRoom, username: "alice" });
    const bobHears = collectMessages(bob, healthyRoom);
    await bobHears.started;

    const failed = collectMessages(victim, brokenRoom);

    await waitFor(() => failed.errors.length > 0, "the failed subscription to reach its client");
    const [error] = failed.errors;
    expect(isTRPCClientError(error) && error.data?.code).toBe("INTERNAL_SERVER_ERROR");
    // The cause is logged below, but its text never reaches the client.
    expect(isTRPCClientError(error) && error.message).toBe("Something went wrong on the server; please try again.");
    // tRPC runs with isDev false: no stack trace reaches the client.
    expect(isTRPCClientError(error) && error.data?.stack).toBeUndefined();
    const report = await app.waitForLog("procedure_failed");
    expect(report).toMatchObject({
      level: "error",
      connectionId: expect.any(String),
      path: "onMessage",
      type: "subscription",
      error: { message: expect.stringContaining("connection reset") },
    });
    // The failing connection is the victim's, and it is still open and served.
    expect(app.events("close").map((line) => line.connectionId)).not.toContain(report.connectionId);
    expect((await victim.trpc.listRooms.query()).rooms).toContainEqual(expect.objectContaining({ roomId: healthyRoom }));
    // Everyone else goes on as before.
    await alice.trpc.sendMessage.mutate({ roomId: healthyRoom, text: "all fine here" });
    await waitFor(() => texts(bobHears.events).includes("all fine here"), "bob to hear alice");
    expect(bobHears.errors).toEqual([]);
    const health = await fetch(`${app.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", connections: 3 });
  });
});
