import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect, type Socket } from "node:net";
import { ManualClock } from "@chat/api";
import { afterEach, describe, expect, it } from "vitest";
import { HttpGuard, type HttpGuardOptions, httpTimeouts } from "./http-guard.js";
import { createLogger } from "./logger.js";

interface Line {
  event: string;
  [field: string]: unknown;
}

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A real HTTP server on port 0 guarded by an `HttpGuard` with `options`, and the lines it logged. */
async function guarded(options: Partial<HttpGuardOptions> = {}): Promise<{ port: number; guard: HttpGuard; lines: Line[] }> {
  const lines: Line[] = [];
  const logger = createLogger("debug", (line) => lines.push(JSON.parse(line) as Line));
  const guard = new HttpGuard({ maxSockets: 100, maxSocketsPerAddress: 100, fileCeiling: null, fileLimit: null, firstRequestMs: 60_000, clock: new ManualClock(0), logger, ...options });
  const server = createServer((_req, res) => res.end("ok"));
  guard.watch(server);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, guard, lines };
}

/** A socket from `localAddress` that has been counted or refused by the time it resolves. */
async function open(port: number, guard: HttpGuard, localAddress = "127.0.0.1"): Promise<{ socket: Socket; answer: Promise<string> }> {
  const socket = connect({ port, host: "127.0.0.1", localAddress });
  sockets.push(socket);
  let received = "";
  socket.setEncoding("utf8").on("data", (chunk: string) => (received += chunk));
  const answer = new Promise<string>((resolve) => socket.once("close", () => resolve(received)));
  const before = handled(guard);
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  while (handled(guard) === before) await new Promise((resolve) => setImmediate(resolve));
  return { socket, answer };
}

/** Sockets the guard has counted or refused; open ones that close make it go down, never up. */
function handled(guard: HttpGuard): number {
  return guard.open + Object.values(guard.refused).reduce((sum, count) => sum + count, 0);
}

describe("HttpGuard", () => {
  it("answers a socket past the per-address cap with 503 and Retry-After, and closes it, while another address gets in", async () => {
    const { port, guard, lines } = await guarded({ maxSocketsPerAddress: 2 });
    await open(port, guard);
    await open(port, guard);

    const refused = await open(port, guard);
    const other = await open(port, guard, "127.0.0.2");

    expect(await refused.answer).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\nRetry-After: \d+\r\n/);
    expect(other.socket.destroyed).toBe(false);
    expect(guard.open).toBe(3);
    expect(guard.refused.max_http_connections_per_ip).toBe(1);
    expect(lines.filter((line) => line.event === "http_refused")).toEqual([
      expect.objectContaining({ reason: "max_http_connections_per_ip", ip: "127.0.0.1", refusals: 1 }),
    ]);
  });

  it("closes a refused socket whose client keeps its own side open, after a short linger", async () => {
    const { port, guard } = await guarded({ maxSocketsPerAddress: 1 });
    await open(port, guard);
    const halfOpen = connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    sockets.push(halfOpen);
    let answer = "";
    halfOpen.setEncoding("utf8").on("data", (chunk: string) => (answer += chunk));
    await new Promise((resolve) => halfOpen.once("end", resolve));
    expect(guard.closing).toBe(1);

    while (guard.closing > 0) await new Promise((resolve) => setTimeout(resolve, 50));

    expect(answer).toMatch(/^HTTP\/1\.1 503 /);
    expect(halfOpen.destroyed).toBe(false);
  });

  it("refuses past the total cap, whatever the address", async () => {
    const { port, guard } = await guarded({ maxSockets: 1 });
    await open(port, guard);

    const refused = await open(port, guard, "127.0.0.2");

    expect(await refused.answer).toMatch(/^HTTP\/1\.1 503 /);
    expect(guard.refused.max_http_connections).toBe(1);
  });

  it("counts a socket until it closes, however long it stays quiet, and then lets another in", async () => {
    const { port, guard } = await guarded({ maxSocketsPerAddress: 1 });
    const first = await open(port, guard);
    expect(await (await open(port, guard)).answer).toMatch(/^HTTP\/1\.1 503 /);

    first.socket.destroy();
    while (guard.open > 0) await new Promise((resolve) => setImmediate(resolve));
    const next = await open(port, guard);

    expect(next.socket.destroyed).toBe(false);
    expect(guard.open).toBe(1);
  });

  it("writes one http_refused line per address per second, counting the refusals it stands for", async () => {
    const clock = new ManualClock(0);
    const { port, guard, lines } = await guarded({ maxSocketsPerAddress: 1, clock });
    await open(port, guard);
    for (let index = 0; index < 5; index++) await (await open(port, guard)).answer;

    clock.advance(1000);
    await (await open(port, guard)).answer;

    expect(lines.filter((line) => line.event === "http_refused").map((line) => line.refusals)).toEqual([1, 5]);
  });

  it("refuses new sockets once the file-descriptor ceiling is reached, logging fd_limit once per episode", async () => {
    const { port, guard, lines } = await guarded({ fileCeiling: 2, fileLimit: 1024 });
    const held = [await open(port, guard), await open(port, guard)];

    const refused = [await open(port, guard, "127.0.0.2"), await open(port, guard, "127.0.0.3")];
    for (const { answer } of refused) expect(await answer).toMatch(/^HTTP\/1\.1 503 /);
    for (const { socket } of held) socket.destroy();
    while (guard.open > 0) await new Promise((resolve) => setImmediate(resolve));
    const again = [await open(port, guard), await open(port, guard), await open(port, guard)];

    expect(await again[2]?.answer).toMatch(/^HTTP\/1\.1 503 /);
    expect(guard.refused.fd_limit).toBe(3);
    expect(lines.filter((line) => line.event.startsWith("fd_limit"))).toEqual([
      expect.objectContaining({ event: "fd_limit", level: "warn", open: 2, ceiling: 2, limit: 1024 }),
      expect.objectContaining({ event: "fd_limit_over", refused: 2 }),
      expect.objectContaining({ event: "fd_limit", open: 2 }),
    ]);
  });
});

describe("HttpGuard's first-request timer", () => {
  it("closes a socket that sends nothing at all within the first-request time, and keeps one that made a request", async () => {
    const { port, guard } = await guarded({ firstRequestMs: 200 });
    const silent = await open(port, guard);
    const speaking = await open(port, guard);
    speaking.socket.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");

    const answer = await silent.answer;
    // Past the first-request time for the socket that spoke too: it is Node's keep-alive that times it out now.
    await new Promise((resolve) => setTimeout(resolve, 400));

    expect(answer).toBe("");
    expect(speaking.socket.destroyed).toBe(false);
    expect(guard.open).toBe(1);
  });
});

describe("httpTimeouts", () => {
  it("gives headers and the whole request the timeout, checked four times per timeout and at least once a second", () => {
    expect(httpTimeouts(10_000)).toEqual({ headersTimeout: 10_000, requestTimeout: 10_000, connectionsCheckingInterval: 1000 });
    expect(httpTimeouts(2000)).toEqual({ headersTimeout: 2000, requestTimeout: 2000, connectionsCheckingInterval: 500 });
  });
});
