/**
 * `applyWSSHandler` on real sockets: through `@trpc/client`'s `wsLink`, which is what it must
 * satisfy, and what becomes of a connection's subscriptions when it closes or fails to deliver.
 */
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { createTRPCClient, createWSClient, TRPCClientError, wsLink } from "@trpc/client";
import { type AnyTRPCRouter, initTRPC, tracked } from "@trpc/server";
import type { WSSHandlerOptions } from "@trpc/server/adapters/ws";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { applyWSSHandler } from "./ws-transport.js";
import { at, connectClient, errorOf, isObject, type Note, RawClient, request, resultOf, startServer, type TestRouter } from "./testing/transport-harness.js";

describe("applyWSSHandler with @trpc/client's wsLink", () => {
  it("answers queries and mutations with Dates intact, and a failing mutation with its code, reported to onError", async () => {
    const server = await startServer();
    const client = connectClient(server);
    await expect(client.greet.query({ name: "ann", at })).resolves.toEqual({ greeting: "hello ann", at });
    await expect(client.add.mutate({ a: 2, b: 3 })).resolves.toBe(5);
    const error: unknown = await client.claim.mutate().catch((cause: unknown) => cause);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as TRPCClientError<TestRouter>).data?.code).toBe("CONFLICT");
    expect(server.errors).toHaveLength(1);
    expect(server.errors[0]).toMatchObject({ type: "mutation", path: "claim", error: { code: "CONFLICT", message: "already claimed" } });
  });

  it("pushes a push stream's events in order, each with its tracked id, and detaches it on unsubscribe", async () => {
    const server = await startServer();
    const client = connectClient(server);
    const notes = [1, 2, 3].map((n) => ({ text: `note ${n}`, at: new Date(at.getTime() + n) }));
    const received: unknown[] = [];
    await new Promise<void>((resolve, reject) => {
      const subscription = client.notes.subscribe(undefined, {
        onStarted: () => notes.forEach((note, index) => server.feed.emit(tracked(`n${index + 1}`, note))),
        onData: (event) => {
          received.push(event);
          if (received.length === notes.length) {
            subscription.unsubscribe();
            resolve();
          }
        },
        onError: reject,
      });
    });
    expect(received).toEqual(notes.map((data, index) => ({ id: `n${index + 1}`, data })));
    await vi.waitFor(() => expect(server.feed.streams.size).toBe(0));
    expect(server.errors).toEqual([]);
  });

  it("pulls a generator's tracked events in order and completes when it returns", async () => {
    const server = await startServer();
    const client = connectClient(server);
    const received: unknown[] = [];
    await new Promise<void>((resolve, reject) => {
      client.count.subscribe({ to: 3 }, { onData: (event) => received.push(event), onComplete: resolve, onError: reject });
    });
    expect(received).toEqual([1, 2, 3].map((n) => ({ id: String(n), data: { n } })));
  });
});

describe("applyWSSHandler's connections", () => {
  it("closing the socket ends its open subscriptions, then tells onClose with the close code", async () => {
    const server = await startServer();
    const raw = await RawClient.open(server.url);
    raw.send(request(1, "subscription", "notes"));
    raw.send(request(2, "subscription", "waits"));
    await Promise.all([raw.waitFor(resultOf(1, "started")), raw.waitFor(resultOf(2, "data"))]);
    const [connection] = server.connections;
    expect(connection?.closedWith).toBeNull();
    raw.socket.close(4001, "bye");
    await vi.waitFor(() => expect(connection?.closedWith).toBe(4001));
    expect(server.feed.streams.size).toBe(0);
    await vi.waitFor(() => expect(server.pulled.ended).toBe(1));
  });

  it("sends PING to a quiet client, keeps one that answers, and cuts one that stays silent", async () => {
    const server = await startServer({ pingMs: 40, pongWaitMs: 80 });
    const answering = await RawClient.open(server.url);
    answering.socket.on("message", (data) => {
      if (String(data) === "PING") answering.socket.send("PONG");
    });
    const silent = await RawClient.open(server.url);
    const silentClosed = new Promise<number>((resolve) => silent.socket.once("close", resolve));
    expect(await silent.waitFor((frame) => frame === "PING")).toBe("PING");
    // 1006: the server cut the TCP connection without a close frame.
    expect(await silentClosed).toBe(1006);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(answering.received.filter((frame) => frame === "PING").length).toBeGreaterThanOrEqual(2);
    expect(answering.socket.readyState).toBe(answering.socket.OPEN);
  });

  it("broadcastReconnectNotification asks every open client to reconnect", async () => {
    const server = await startServer();
    const clients = await Promise.all([RawClient.open(server.url), RawClient.open(server.url)]);
    server.transport.broadcastReconnectNotification();
    for (const raw of clients) expect(await raw.waitFor((frame) => isObject(frame) && frame.method === "reconnect")).toEqual({ id: null, method: "reconnect" });
  });

  it("an event for a subscriber whose socket is closing neither throws into the producer nor keeps it from the others", async () => {
    const server = await startServer();
    const gone = await RawClient.open(server.url);
    const staying = await RawClient.open(server.url);
    for (const raw of [gone, staying]) {
      raw.send(request(1, "subscription", "notes"));
      await raw.waitFor(resultOf(1, "started"));
    }
    server.connections[0]?.ws.terminate();
    // The socket is no longer open, but its close has not been handled: its stream is still attached.
    expect(server.feed.streams.size).toBe(2);
    expect(() => server.feed.emit(tracked("n1", { text: "to all", at }))).not.toThrow();
    expect(await staying.waitFor(resultOf(1, "data"))).toMatchObject({ result: { id: "n1" } });
    expect(server.errors).toEqual([]);
  });

  it("ends a subscription whose event cannot be serialised, as tRPC does: its error, then stopped, and nothing thrown into the producer", async () => {
    const server = await startServer();
    const raw = await RawClient.open(server.url);
    raw.send(request(1, "subscription", "notes"));
    await raw.waitFor(resultOf(1, "started"));
    const unserialisable: Note = {
      text: "bad",
      get at(): Date {
        throw new Error("no date today");
      },
    };
    expect(() => server.feed.emit(tracked("bad", unserialisable))).not.toThrow();
    expect(await raw.waitFor(errorOf(1))).toMatchObject({ id: 1, error: { json: { data: { code: "INTERNAL_SERVER_ERROR" } } } });
    expect(server.errors).toMatchObject([{ type: "subscription", path: "notes", error: { message: "no date today" } }]);
    await raw.waitFor(resultOf(1, "stopped"));
    expect(server.feed.streams.size).toBe(0);
    server.feed.emit(tracked("good", { text: "good", at }));
    expect(raw.received.filter(resultOf(1, "data"))).toEqual([]);
  });
});

/** Code written for tRPC's adapter, generic over its router, as libraries and tRPC's own helpers are. */
function serveAsForTRPC<TRouter extends AnyTRPCRouter>(opts: WSSHandlerOptions<TRouter>) {
  return applyWSSHandler(opts);
}

describe("applyWSSHandler's options", () => {
  it("are tRPC's WSSHandlerOptions as they are, generic code included", async () => {
    const t = initTRPC.context<{ user: string }>().create();
    const router = t.router({ whoami: t.procedure.query(({ ctx }) => ctx.user) });
    const wss = new WebSocketServer({ port: 0 });
    onTestFinished(() => new Promise<void>((resolve) => wss.close(() => resolve())));
    await once(wss, "listening");
    serveAsForTRPC({ wss, router, createContext: async () => ({ user: "ann" }) });
    const wsClient = createWSClient({ url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, WebSocket: WebSocket as unknown as NonNullable<Parameters<typeof createWSClient>[0]["WebSocket"]> });
    onTestFinished(() => wsClient.close());
    const client = createTRPCClient<typeof router>({ links: [wsLink({ client: wsClient })] });
    await expect(client.whoami.query()).resolves.toBe("ann");
  });
});
