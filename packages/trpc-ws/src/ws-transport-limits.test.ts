/**
 * What one connection may ask of `applyWsTransport` and cost it: requests per frame, the length
 * of request ids, and unsent data, which waits as events in their subscriptions (paced) while the
 * reader lags, then goes out in order as it reads again.
 */
import { tracked } from "@trpc/server";
import { describe, expect, it, vi } from "vitest";
import { at, errorOf, isObject, RawClient, request, resultOf, startServer } from "./testing/transport-harness.js";

describe("applyWsTransport's limits", () => {
  it("runs the first 20 requests of a frame and answers each one past them with the batch limit's error, keeping the connection", async () => {
    const server = await startServer();
    const raw = await RawClient.open(server.url);
    raw.send(Array.from({ length: 25 }, (_, index) => request(index + 1, "mutation", "add", { a: index, b: 1 })));
    const answers = await Promise.all(Array.from({ length: 25 }, (_, index) => raw.waitFor((frame) => isObject(frame) && frame.id === index + 1)));
    expect(answers.slice(0, 20).every((answer) => isObject(answer) && "result" in answer)).toBe(true);
    for (const answer of answers.slice(20)) {
      expect(answer).toMatchObject({ error: { json: { message: "too many requests in one frame", data: { code: "TOO_MANY_REQUESTS", path: "add" } } } });
    }
    expect(server.errors.filter((report) => report.error.code === "TOO_MANY_REQUESTS").map((report) => report.frame)).toEqual([1, 1, 1, 1, 1]);
    raw.send(request(99, "mutation", "add", { a: 1, b: 1 }));
    expect(await raw.waitFor(resultOf(99))).toMatchObject({ result: { type: "data" } });
  });

  it("refuses a request id of more than 64 characters without running it, and serves one of 64", async () => {
    const server = await startServer();
    const raw = await RawClient.open(server.url);
    raw.send(request("x".repeat(65), "subscription", "notes"));
    expect(await raw.waitFor(errorOf(null))).toMatchObject({
      id: null,
      error: { json: { message: "Request ids are numbers or strings of at most 64 characters.", data: { code: "PARSE_ERROR" } } },
    });
    expect(server.feed.streams.size).toBe(0);
    const id = "y".repeat(64);
    raw.send(request(id, "subscription", "notes"));
    await raw.waitFor(resultOf(id, "started"));
    server.feed.emit(tracked("n1", { text: "hello", at }));
    expect(await raw.waitFor(resultOf(id, "data"))).toMatchObject({ id, result: { id: "n1" } });
  });

  it("keeps a reader that stops reading to a buffer's worth of unsent bytes, and sends it everything, in order, once it reads again", async () => {
    const paceBytes = 16 * 1024;
    const server = await startServer(undefined, { paceBytes });
    const raw = await RawClient.open(server.url);
    raw.send(request(1, "subscription", "notes"));
    await raw.waitFor(resultOf(1, "started"));
    const [connection] = server.connections;
    raw.socket.pause();
    const text = "x".repeat(2000);
    let most = 0;
    for (let n = 1; n <= 3000; n++) {
      server.feed.emit(tracked(`n${n}`, { text, at }));
      most = Math.max(most, connection?.ws.bufferedAmount ?? 0);
    }
    // A pace's worth, plus the one frame that crossed it; the rest waits as events, not bytes.
    expect(most).toBeLessThan(paceBytes + 4096);
    raw.socket.resume();
    await vi.waitFor(() => expect(raw.received.filter(resultOf(1, "data"))).toHaveLength(3000), { timeout: 20_000 });
    const ids = raw.received.filter(resultOf(1, "data")).map((frame) => (isObject(frame) && isObject(frame.result) ? frame.result.id : null));
    expect(ids).toEqual(Array.from({ length: 3000 }, (_, index) => `n${index + 1}`));
  });

  it("reads the client's next requests once the last waiting event is out, even when that event left the buffer past the pace", async () => {
    const paceBytes = 16 * 1024;
    const server = await startServer(undefined, { paceBytes });
    const raw = await RawClient.open(server.url);
    raw.send(request(1, "subscription", "notes"));
    await raw.waitFor(resultOf(1, "started"));
    // Each event is bigger than the pace: the first goes out and congests the socket, the second
    // waits (and reading pauses), and writing it when the buffer drains congests it again, with
    // nothing left waiting. Reading must resume once that event is out too.
    const text = "x".repeat(4 * paceBytes);
    server.feed.emit(tracked("n1", { text, at }));
    server.feed.emit(tracked("n2", { text, at }));
    await vi.waitFor(() => expect(raw.received.filter(resultOf(1, "data"))).toHaveLength(2), { timeout: 10_000 });
    raw.send(request(2, "mutation", "add", { a: 1, b: 2 }));
    expect(await raw.waitFor(resultOf(2))).toMatchObject({ result: { type: "data" } });
  });

  it("closes a connection with 4008 once more events wait for it than maxWaiting, and reports it", async () => {
    const server = await startServer(undefined, { paceBytes: 16 * 1024, maxWaiting: 100 });
    const raw = await RawClient.open(server.url);
    const closed = new Promise<number>((resolve) => raw.socket.once("close", resolve));
    raw.send(request(1, "subscription", "notes"));
    await raw.waitFor(resultOf(1, "started"));
    raw.socket.pause();
    for (let n = 1; n <= 2000; n++) server.feed.emit(tracked(`n${n}`, { text: "x".repeat(2000), at }));
    expect(server.slowConsumers).toEqual([{ reason: "max_waiting" }]);
    raw.socket.resume();
    expect(await closed).toBe(4008);
  });

  it("answers a stream that fails with its error, after what it sent before", async () => {
    const server = await startServer();
    const raw = await RawClient.open(server.url);
    raw.send(request(1, "subscription", "notes"));
    await raw.waitFor(resultOf(1, "started"));
    server.feed.emit(tracked("n1", { text: "before", at }));
    server.feed.fail(new Error("the store is away"));
    expect(await raw.waitFor(errorOf(1))).toMatchObject({ id: 1, error: { json: { data: { code: "INTERNAL_SERVER_ERROR" } } } });
    expect(raw.received.filter(resultOf(1, "data"))).toHaveLength(1);
    expect(raw.received.findIndex(resultOf(1, "data"))).toBeLessThan(raw.received.findIndex(errorOf(1)));
  });
});
