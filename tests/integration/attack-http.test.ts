/**
 * Attack J, slowloris: sockets that never finish their request, opened by the thousand from one
 * address against a server whose file limit is 1,024. Each test runs the real server as a process
 * of its own under that limit, with honest clients from another address measured beside the attack.
 */
import { connect } from "node:net";
import { describe, expect, it, onTestFinished } from "vitest";
import { clientFrom } from "../fixtures/addresses.js";
import { sleep, uniqueRoomId, waitFor } from "../fixtures/helpers.js";
import { startLoggedServer } from "../fixtures/logged-server.js";
import { openRawSocket } from "../fixtures/raw-socket.js";
import { type ServerProcess, startServerProcess } from "../fixtures/server-process.js";
import { getFrom, slowloris } from "../fixtures/slowloris.js";

const FILE_LIMIT = 1024;
const SLOW_SOCKETS = 1200;
const ATTACKER = "127.0.0.2";
const HONEST = "127.0.0.3";

/** The JSON lines the server process has logged to stdout. */
function logLines(server: ServerProcess): { event: string; [field: string]: unknown }[] {
  return server.process.stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { event: string });
}

/** Five honest clients from `HONEST`: each joins a room and sends a message; resolves with what was stored. */
async function honestClients(server: ServerProcess): Promise<string[]> {
  const roomId = uniqueRoomId("honest");
  return Promise.all(
    Array.from({ length: 5 }, async (_, index) => {
      const client = clientFrom(server.wsUrl, HONEST);
      await client.trpc.joinRoom.mutate({ roomId, username: `honest${index}` });
      return (await client.trpc.sendMessage.mutate({ roomId, text: `hello from ${index}` })).text;
    }),
  );
}

describe("attack J: slowloris", () => {
  it("holds 1,200 slow sockets from one address at its per-address cap while honest clients connect, join, send and get /healthz", { timeout: 60_000 }, async () => {
    // A timeout longer than the test, so the attack holds its sockets throughout.
    const server = await startServerProcess({ HTTP_TIMEOUT_MS: "120000" }, { maxOpenFiles: FILE_LIMIT });
    const port = Number(new URL(server.url).port);

    const attack = await slowloris(port, SLOW_SOCKETS, ATTACKER);
    await waitFor(() => attack.answered("503") === SLOW_SOCKETS - 256, "every socket past the per-address cap to be refused", 30_000);
    const sent = await honestClients(server);
    const health = await getFrom(server.url, "/healthz", HONEST);

    expect(sent).toEqual([0, 1, 2, 3, 4].map((index) => `hello from ${index}`));
    expect(health).toBe(200);
    expect(attack.open()).toBe(256);
    expect(attack.answers().every((answer) => /^HTTP\/1\.1 503 Service Unavailable\r\nRetry-After: \d+\r\n/.test(answer))).toBe(true);
    const refusals = logLines(server).filter((line) => line.event === "http_refused");
    expect(refusals[0]).toMatchObject({ reason: "max_http_connections_per_ip", ip: ATTACKER });
    // At most a line per address per second, each counting the refusals it stands for.
    expect(refusals.length).toBeLessThan((SLOW_SOCKETS - 256) / 10);
    expect(logLines(server).filter((line) => line.event === "server_error")).toEqual([]);
    expect(server.process.child.exitCode).toBeNull();
  });

  it("refuses new sockets with 503 and logs fd_limit once, instead of failing accept with EMFILE, when the file limit is what runs out", { timeout: 60_000 }, async () => {
    const server = await startServerProcess(
      { HTTP_TIMEOUT_MS: "120000", MAX_HTTP_CONNECTIONS: "100000", MAX_HTTP_CONNECTIONS_PER_IP: "100000", LOG_LEVEL: "info" },
      { maxOpenFiles: FILE_LIMIT },
    );
    const port = Number(new URL(server.url).port);

    const attack = await slowloris(port, SLOW_SOCKETS, ATTACKER);
    // Refused sockets are closed at once, to free their descriptors; a loaded client that had not
    // read its 503 yet may lose it to the reset, so the wait is for the server's state, not theirs.
    let healthDuringAttack = 0;
    await waitFor(async () => (healthDuringAttack = await getFrom(server.url, "/healthz", HONEST)) === 503, "the server to refuse for want of descriptors", 30_000);
    attack.stop();
    await waitFor(async () => (await getFrom(server.url, "/healthz", HONEST)) === 200, "/healthz to answer 200 once the attack has stopped");

    expect(attack.answered("503")).toBeGreaterThan(0);
    expect(attack.open()).toBeLessThan(FILE_LIMIT);
    // Refused at once, with a status a load balancer understands, rather than left unanswered.
    expect(healthDuringAttack).toBe(503);
    // Listed rather than counted, so a failure shows what else came back.
    expect(attack.answers().filter((answer) => answer !== "" && !answer.startsWith("HTTP/1.1 503 "))).toEqual([]);
    const lines = logLines(server);
    expect(lines.filter((line) => line.event === "fd_limit")).toEqual([expect.objectContaining({ level: "warn", limit: FILE_LIMIT })]);
    await waitFor(() => logLines(server).some((line) => line.event === "fd_limit_over"), "the end of the episode to be logged");
    expect(lines.filter((line) => line.event === "server_error")).toEqual([]);
    expect(await honestClients(server)).toHaveLength(5);
    expect(server.process.child.exitCode).toBeNull();
  });
});

describe("HTTP timeouts", () => {
  it("closes a socket that never completes its headers after HTTP_TIMEOUT_MS, however it trickles, and one that never sends a byte", async () => {
    const app = await startLoggedServer({ HTTP_TIMEOUT_MS: "1000" });

    const trickling = await slowloris(app.port, 1, "127.0.0.1");
    const idle = await openIdleSocket(app.port);
    await waitFor(() => trickling.closed() === 1 && idle.closed, "the slow and the idle socket to be closed", 20_000);

    expect(trickling.answers()).toEqual([expect.stringMatching(/^HTTP\/1\.1 408 /)]);
  });

  it("leaves an upgraded WebSocket open past HTTP_TIMEOUT_MS", async () => {
    const app = await startLoggedServer({ HTTP_TIMEOUT_MS: "1000" });
    const raw = await openRawSocket(app.wsUrl);

    // Longer than the timeout and Node's check interval together: a socket Node still timed out would be gone.
    await sleep(2500);

    expect(raw.closeCode).toBeNull();
    expect(raw.socket.readyState).toBe(raw.socket.OPEN);
  });
});

/** A TCP socket to `port` that sends nothing at all; destroyed when the test ends. */
async function openIdleSocket(port: number): Promise<{ readonly closed: boolean }> {
  const socket = connect({ host: "127.0.0.1", port });
  onTestFinished(() => {
    socket.destroy();
  });
  const state = { closed: false };
  socket.on("error", () => undefined);
  socket.once("close", () => (state.closed = true));
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  return state;
}
