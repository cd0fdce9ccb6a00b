/**
 * Limits that a client used to reset by reconnecting (issue 12, attacks E to G), now kept per
 * network address as well, and the two honest bursts that used to be punished. Each runs against
 * the real server with the real defaults unless it says otherwise.
 */
import type { AppRouter } from "@chat/client";
import { createTRPCClient, createWSClient, wsLink } from "@trpc/client";
import superjson from "superjson";
import { describe, expect, it, onTestFinished } from "vitest";
import { clientFrom, webSocketFrom } from "../fixtures/addresses.js";
import { measureAttack } from "../fixtures/attack-harness.js";
import { identityOf, sleep, trpcError, uniqueRoomId } from "../fixtures/helpers.js";
import { startServerProcess } from "../fixtures/server-process.js";
import { startTestServer } from "../fixtures/test-server.js";

/** How many of `calls` succeeded, and the messages of those that failed. */
async function settle(calls: Promise<unknown>[]): Promise<{ ok: number; refusals: string[] }> {
  const results = await Promise.allSettled(calls);
  const refusals = results.flatMap((result) => (result.status === "rejected" ? [String((result.reason as Error).message)] : []));
  return { ok: results.length - refusals.length, refusals };
}

describe("reconnecting does not reset the limits (attacks E, F, G)", () => {
  it("limits what one address sends, however many connections it opens, and spares other addresses", async () => {
    const server = await startServerProcess();
    const roomId = uniqueRoomId("sends");
    const outcome = await measureAttack(server, async () => {
      const started = Date.now();
      const connections = Array.from({ length: 30 }, () => clientFrom(server.wsUrl, "127.0.0.3"));
      await Promise.all(connections.map((client, index) => client.trpc.joinRoom.mutate({ roomId, username: `m${index}` })));
      const sends = await settle(connections.flatMap((client) => Array.from({ length: 20 }, (_, n) => client.trpc.sendMessage.mutate({ roomId, text: `${n}` }))));
      return { ...sends, seconds: (Date.now() - started) / 1000 };
    });

    const { ok, refusals, seconds } = outcome.result;
    // The address's budget: a burst of 200, then 20 a second (each connection alone allows 20 at once).
    expect(ok).toBeLessThanOrEqual(200 + Math.ceil(20 * seconds));
    expect(refusals.length).toBe(600 - ok);
    expect(refusals).toContain("Too many people on your network are sending right now; try again in 0.1 s.");
    expect(outcome.honestReceived).toBe(outcome.honestSent);
    expect(outcome.health).toBe(200);
  });

  it("writes one joined and one left line for a name that joins and leaves fifty times in a minute, so the history keeps what people said", async () => {
    const server = await startServerProcess({ LEAVE_GRACE_MS: "0" });
    const roomId = uniqueRoomId("churn");
    const alice = clientFrom(server.wsUrl, "127.0.0.4");
    await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });
    await alice.trpc.sendMessage.mutate({ roomId, text: "something worth keeping" });

    const outcome = await measureAttack(server, async () => {
      for (let round = 0; round < 50; round++) {
        // The same person every time, as a browser that reconnects is.
        const mallory = clientFrom(server.wsUrl, "127.0.0.3", identityOf("mallory"));
        await mallory.trpc.joinRoom.mutate({ roomId, username: "mallory" });
        await mallory.close();
        await sleep(20);
      }
    });

    const { history } = await clientFrom(server.wsUrl, "127.0.0.5").trpc.joinRoom.mutate({ roomId, username: "newcomer" });
    const about = (name: string): string[] => history.filter((message) => message.kind === "system" && message.username === name).map((message) => message.text);
    expect(about("mallory")).toEqual(["mallory joined", "mallory left"]);
    expect(history.map((message) => message.text)).toContain("something worth keeping");
    expect(outcome.honestReceived).toBe(outcome.honestSent);
  });

  it("limits the joins of one address across connections, so churn under many names is bounded too", async () => {
    const server = await startServerProcess({ LEAVE_GRACE_MS: "0", ADDRESS_JOIN_RATE_BURST: "30", ADDRESS_JOIN_RATE_PER_SEC: "1" });
    const roomId = uniqueRoomId("names");
    const started = Date.now();
    const joins = await settle(
      Array.from({ length: 100 }, (_, index) => clientFrom(server.wsUrl, "127.0.0.3").trpc.joinRoom.mutate({ roomId, username: `name${index}` })),
    );
    const seconds = (Date.now() - started) / 1000;
    expect(joins.ok).toBeLessThanOrEqual(30 + Math.ceil(seconds));
    expect(joins.refusals[0]).toMatch(/^Too many people on your network are joining rooms right now; try again in \d+\.\d s\.$/);
    // Another address still joins.
    expect((await clientFrom(server.wsUrl, "127.0.0.4").trpc.joinRoom.mutate({ roomId, username: "alice" })).username).toBe("alice");
  });

  it("limits the typing signals of one address across connections", async () => {
    const server = await startServerProcess();
    const rooms = Array.from({ length: 10 }, () => uniqueRoomId("typing"));
    const connections = Array.from({ length: 30 }, () => clientFrom(server.wsUrl, "127.0.0.3"));
    for (const [index, client] of connections.entries()) {
      for (const roomId of rooms) await client.trpc.joinRoom.mutate({ roomId, username: `t${index}` });
    }
    const started = Date.now();
    const signals = await settle(connections.flatMap((client) => rooms.map((roomId) => client.trpc.sendTyping.mutate({ roomId }))));
    const seconds = (Date.now() - started) / 1000;
    // A burst of 200, then 50 a second, for everyone behind the address.
    expect(signals.ok).toBeLessThanOrEqual(200 + Math.ceil(50 * seconds));
    expect(signals.refusals.length).toBe(300 - signals.ok);
  });

  it("limits the rooms one address creates, across connections, and lets it join rooms that exist", async () => {
    const server = await startServerProcess();
    const existing = uniqueRoomId("exists");
    await clientFrom(server.wsUrl, "127.0.0.4").trpc.joinRoom.mutate({ roomId: existing, username: "alice" });
    const connections = Array.from({ length: 5 }, () => clientFrom(server.wsUrl, "127.0.0.3", identityOf("mallory")));
    const created = await settle(
      connections.flatMap((client, index) => Array.from({ length: 10 }, (_, n) => client.trpc.joinRoom.mutate({ roomId: `new-${index}-${n}-${Date.now() % 1000}`, username: "mallory" }))),
    );
    expect(created.ok).toBeLessThanOrEqual(50 + 1);
    // Fifty new rooms in a burst, then one every 50 s: a sixth connection's joins of new rooms wait.
    const sixth = clientFrom(server.wsUrl, "127.0.0.3", identityOf("mallory"));
    const refused = await trpcError(sixth.trpc.joinRoom.mutate({ roomId: uniqueRoomId("one-more"), username: "mallory" }));
    expect(refused.data?.code).toBe("TOO_MANY_REQUESTS");
    expect(refused.message).toMatch(/^Too many people on your network are creating rooms right now; try again in \d+\.\d s\.$/);
    expect((await sixth.trpc.joinRoom.mutate({ roomId: existing, username: "mallory" })).roomId).toBe(existing);
  });
});

describe("honest bursts are answered, never punished", () => {
  it("answers a plain @trpc/client's 200 sends made in one tick with 20 stored and TOO_MANY_REQUESTS for the rest, and keeps its connection", async () => {
    const server = await startServerProcess();
    const roomId = uniqueRoomId("burst");
    const wsClient = createWSClient({ url: server.wsUrl, WebSocket: webSocketFrom("127.0.0.3") as unknown as typeof globalThis.WebSocket });
    onTestFinished(() => wsClient.close());
    const states: string[] = [];
    const watching = wsClient.connectionState.subscribe({ next: (state) => states.push(state.state) });
    onTestFinished(() => watching.unsubscribe());
    const plain = createTRPCClient<AppRouter>({ links: [wsLink({ client: wsClient, transformer: superjson })] });
    await plain.joinRoom.mutate({ roomId, username: "burst" });

    const results = await Promise.allSettled(Array.from({ length: 200 }, (_, n) => plain.sendMessage.mutate({ roomId, text: `${n}` })));

    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(20);
    for (const result of results.filter((result) => result.status === "rejected")) {
      expect((result.reason as { data?: { code?: string } }).data?.code).toBe("TOO_MANY_REQUESTS");
    }
    await sleep(1200);
    expect((await plain.sendMessage.mutate({ roomId, text: "later" })).text).toBe("later");
    expect(states.filter((state) => state === "connecting")).toHaveLength(1);
  });

  it("lets a client retry its refused sends every 220 ms until all are stored, without cutting it off", async () => {
    const app = await startTestServer({ SEND_RATE_BURST: "", SEND_RATE_PER_SEC: "" });
    const statuses: string[] = [];
    const client = app.client({ onStatusChange: (status) => statuses.push(status) });
    const roomId = uniqueRoomId("retry");
    await client.trpc.joinRoom.mutate({ roomId, username: "patient" });
    let pending = Array.from({ length: 30 }, (_, n) => `${n}`);
    const refusals = new Set<string>();
    for (let round = 0; pending.length > 0 && round < 100; round++) {
      const results = await Promise.allSettled(pending.map((text) => client.trpc.sendMessage.mutate({ roomId, text })));
      const refused = pending.filter((_, index) => results[index]?.status === "rejected");
      for (const result of results) if (result.status === "rejected") refusals.add(String((result.reason as { data?: { code?: string } }).data?.code));
      pending = refused;
      await sleep(220);
    }
    expect(pending).toEqual([]);
    expect([...refusals]).toEqual(["TOO_MANY_REQUESTS"]);
    expect(statuses).not.toContain("reconnecting");
    expect(client.status).toBe("online");
  });
});

describe("history has a byte budget", () => {
  it("holds at most HISTORY_MAX_BYTES of history across rooms, dropping the rooms idle longest", async () => {
    const app = await startTestServer({ STORE: "memory", HISTORY_MAX_BYTES: String(4 * 1024 * 1024), JOIN_RATE_BURST: "1000" });
    const writer = app.client();
    const rooms = Array.from({ length: 60 }, () => uniqueRoomId("budget"));
    for (const roomId of rooms) {
      await writer.trpc.joinRoom.mutate({ roomId, username: "writer" });
      await Promise.all(Array.from({ length: 20 }, () => writer.trpc.sendMessage.mutate({ roomId, text: "😀".repeat(2000) })));
      await writer.trpc.leaveRoom.mutate({ roomId });
    }
    expect(app.server.broker.stats().historyBytes).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect(await app.server.broker.history(rooms[0] ?? "", 50)).toEqual([]);
    expect((await app.server.broker.history(rooms.at(-1) ?? "", 50)).length).toBeGreaterThan(0);
  });
});
