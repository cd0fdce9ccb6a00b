/**
 * `applyWsTransport` frame by frame, with a plain `ws` client: what the typed client hides
 * (batches, `subscription.stop`, duplicate ids, `jsonrpc`, malformed frames, PING, connection params).
 */
import { tracked } from "@trpc/server";
import superjson from "superjson";
import { describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import { at, errorOf, isObject, RawClient, request, resultOf, startServer } from "./testing/transport-harness.js";

describe("applyWsTransport, frame by frame", () => {
  it("answers each request of a batch", async () => {
    const server = await startServer();
    const raw = await RawClient.open(server.url);
    raw.send([request(1, "query", "greet", { name: "a", at }), request(2, "mutation", "add", { a: 1, b: 1 })]);
    const [first, second] = await Promise.all([raw.waitFor(resultOf(1)), raw.waitFor(resultOf(2))]);
    expect(first).toEqual({ id: 1, result: { type: "data", data: superjson.serialize({ greeting: "hello a", at }) } });
    expect(second).toEqual({ id: 2, result: { type: "data", data: superjson.serialize(2) } });
  });

  it("ends a push subscription on subscription.stop with a stopped frame, and detaches its stream", async () => {
    const server = await startServer();
    const raw = await RawClient.open(server.url);
    raw.send(request(1, "subscription", "notes"));
    await raw.waitFor(resultOf(1, "started"));
    server.feed.emit(tracked("n1", { text: "before", at }));
    await raw.waitFor(resultOf(1, "data"));
    raw.send({ id: 1, method: "subscription.stop" });
    expect(await raw.waitFor(resultOf(1, "stopped"))).toEqual({ id: 1, result: { type: "stopped" } });
    expect(server.feed.streams.size).toBe(0);
    server.feed.emit(tracked("n2", { text: "after", at }));
    // Frames arrive in order: once the query's answer is in, nothing more for the stopped one can come.
    raw.send(request(2, "mutation", "add", { a: 0, b: 0 }));
    await raw.waitFor(resultOf(2));
    expect(raw.received.filter(resultOf(1, "data"))).toHaveLength(1);
  });

  it("ends a pulled subscription on subscription.stop, running the generator's finally", async () => {
    const server = await startServer();
    const raw = await RawClient.open(server.url);
    raw.send(request("w", "subscription", "waits"));
    await raw.waitFor(resultOf("w", "data"));
    raw.send({ id: "w", method: "subscription.stop" });
    await raw.waitFor(resultOf("w", "stopped"));
    await vi.waitFor(() => expect(server.pulled.ended).toBe(1));
  });

  it("refuses a second subscription under an id that is open with BAD_REQUEST, and keeps the first", async () => {
    const server = await startServer();
    const raw = await RawClient.open(server.url);
    raw.send(request(1, "subscription", "notes"));
    await raw.waitFor(resultOf(1, "started"));
    raw.send(request(1, "subscription", "notes"));
    expect(await raw.waitFor(errorOf(1))).toMatchObject({ id: 1, error: { json: { code: -32600, data: { code: "BAD_REQUEST", path: "notes" } } } });
    expect(server.feed.streams.size).toBe(1);
    server.feed.emit(tracked("n1", { text: "still here", at }));
    expect(await raw.waitFor(resultOf(1, "data"))).toMatchObject({ result: { id: "n1" } });
  });

  it("echoes jsonrpc 2.0 in answers and in a subscription's frames", async () => {
    const server = await startServer();
    const raw = await RawClient.open(server.url);
    raw.send({ ...request(1, "mutation", "add", { a: 1, b: 2 }), jsonrpc: "2.0" });
    raw.send({ ...request(2, "subscription", "count", { to: 1 }), jsonrpc: "2.0" });
    expect(await raw.waitFor(resultOf(1))).toEqual({ id: 1, jsonrpc: "2.0", result: { type: "data", data: { json: 3 } } });
    await raw.waitFor(resultOf(2, "stopped"));
    const frames = raw.received.filter(resultOf(2));
    expect(frames.map((frame) => isObject(frame) && isObject(frame.result) && frame.result.type)).toEqual(["started", "data", "stopped"]);
    for (const frame of frames) expect(frame).toMatchObject({ jsonrpc: "2.0" });
  });

  it("answers a request whose id is null with PARSE_ERROR", async () => {
    const server = await startServer();
    const raw = await RawClient.open(server.url);
    raw.send(request(null, "query", "greet", { name: "a", at }));
    expect(await raw.waitFor(errorOf(null))).toMatchObject({ id: null, error: { json: { code: -32700, data: { code: "PARSE_ERROR" } } } });
  });

  it("answers a binary frame with PARSE_ERROR for id null and keeps serving the connection", async () => {
    const server = await startServer();
    const raw = await RawClient.open(server.url);
    raw.send(Buffer.from(JSON.stringify(request(1, "mutation", "add", { a: 1, b: 1 }))));
    expect(await raw.waitFor(errorOf(null))).toMatchObject({ id: null, error: { json: { data: { code: "PARSE_ERROR" } } } });
    raw.send(request(2, "mutation", "add", { a: 2, b: 2 }));
    expect(await raw.waitFor(resultOf(2))).toMatchObject({ result: { data: { json: 4 } } });
    expect(raw.received.some(resultOf(1))).toBe(false);
    expect(raw.socket.readyState).toBe(WebSocket.OPEN);
  });

  it("answers a query whose result cannot be serialised with INTERNAL_SERVER_ERROR, and reports it", async () => {
    const server = await startServer();
    const raw = await RawClient.open(server.url);
    raw.send(request(1, "query", "broken"));
    const answer = await raw.waitFor(errorOf(1));
    expect(answer).toMatchObject({ id: 1, error: { json: { data: { code: "INTERNAL_SERVER_ERROR" } } } });
    expect(server.errors).toMatchObject([{ type: "query", path: "broken", error: { message: "no date today" } }]);
  });

  it("answers PING with PONG", async () => {
    const server = await startServer();
    const raw = await RawClient.open(server.url);
    raw.send("PING");
    expect(await raw.waitFor((frame) => frame === "PONG")).toBe("PONG");
  });

  it("takes the first message of a connection opened with connectionParams=1 as its parameters, then serves requests", async () => {
    const server = await startServer();
    const raw = await RawClient.open(`${server.url}/?connectionParams=1`);
    raw.send({ method: "connectionParams", data: { token: "t" } });
    raw.send(request(2, "mutation", "add", { a: 3, b: 4 }));
    expect(await raw.waitFor(resultOf(2))).toMatchObject({ result: { data: { json: 7 } } });
    // The parameters were not taken for a request: no PARSE_ERROR came before the answer.
    expect(raw.received).toHaveLength(1);
    expect(server.errors).toEqual([]);
  });

  it("resumes a subscription after the lastEventId sent beside its input", async () => {
    const server = await startServer();
    const raw = await RawClient.open(server.url);
    raw.send({ id: 1, method: "subscription", params: { path: "count", input: superjson.serialize({ to: 4 }), lastEventId: "2" } });
    await raw.waitFor(resultOf(1, "stopped"));
    const ids = raw.received.filter(resultOf(1, "data")).map((frame) => isObject(frame) && isObject(frame.result) && frame.result.id);
    expect(ids).toEqual(["3", "4"]);
  });

  it("reports a stream that throws mid-way to onError, after its earlier events, with an error frame for its id", async () => {
    const server = await startServer();
    const raw = await RawClient.open(server.url);
    raw.send(request(5, "subscription", "breaks"));
    expect(await raw.waitFor(errorOf(5))).toMatchObject({ id: 5, error: { json: { message: "the source broke", data: { code: "INTERNAL_SERVER_ERROR", path: "breaks" } } } });
    expect(raw.received.filter(resultOf(5, "data"))).toHaveLength(1);
    expect(server.errors).toHaveLength(1);
    expect(server.errors[0]).toMatchObject({ type: "subscription", path: "breaks", error: { code: "INTERNAL_SERVER_ERROR", message: "the source broke" } });
  });
});
