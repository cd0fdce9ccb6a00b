import { isTRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import { rawFrom } from "../fixtures/attack-harness.js";
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

  it("answers inputs that break the deserializer or nest deep with a plain sentence, never the library's own text", async () => {
    const app = await startLoggedServer();
    const peer = await rawFrom(app.wsUrl, "127.0.0.9");
    let deep: unknown = "x";
    for (let level = 0; level < 1000; level++) deep = [deep];
    const requests = [
      // superjson meta naming annotations that do not exist, or applied to what cannot take them.
      { id: 2, method: "mutation", params: { path: "sendMessage", input: { json: { roomId: "a", text: "x" }, meta: { values: { text: ["custom", "nope"] } } } } },
      { id: 3, method: "mutation", params: { path: "sendMessage", input: { json: { roomId: "a" }, meta: { values: { roomId: [["map"]], text: "Date" } } } } },
      { id: 4, method: "mutation", params: { path: "sendMessage", input: { json: 1, meta: { values: ["regexp"] } } } },
      { id: 1, method: "mutation", params: { path: "sendMessage", input: { json: { roomId: "a", text: deep } } } },
    ];
    for (const request of requests) peer.socket.send(JSON.stringify(request));
    peer.socket.send(`{"id":7,"method":"mutation","params":{"path":"sendMessage","input":{"json":${"[".repeat(20_000)}${"]".repeat(20_000)}}}}`);
    await waitFor(() => (peer.answers.get(null)?.length ?? 0) >= 3 && peer.answers.has(1) && peer.answers.has(7), "every request to be answered");

    const messages = [...peer.answers.values()].flat().map((answer) => ("error" in answer ? answer.error.message : undefined));
    expect(peer.answers.get(null)?.map((answer) => ("error" in answer ? answer.error.message : answer))).toEqual([
      "Bad request: that message could not be read.",
      "Bad request: that message could not be read.",
      "Bad request: that message could not be read.",
    ]);
    for (const message of messages) expect(message).not.toMatch(/is not a function|call stack|Cannot read|undefined \(reading/);
    expect(peer.closeCode).toBeNull();
  });
});
