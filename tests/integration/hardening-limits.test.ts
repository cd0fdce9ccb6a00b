import { afterEach, describe, expect, it } from "vitest";
import type { ClientOptions, WebSocket } from "ws";
import { waitFor } from "../fixtures/helpers.js";
import { type LoggedServer, startLoggedServer } from "../fixtures/logged-server.js";
import { attemptUpgradeDetailed, type DetailedUpgradeOutcome } from "../fixtures/raw-socket.js";

const opened: WebSocket[] = [];
afterEach(() => {
  for (const socket of opened.splice(0)) socket.terminate();
});

/** Attempts an upgrade, keeping an opened socket for cleanup. */
async function knock(app: LoggedServer, options: ClientOptions = {}): Promise<DetailedUpgradeOutcome> {
  const outcome = await attemptUpgradeDetailed(app.wsUrl, options);
  if (outcome.opened) opened.push(outcome.socket);
  return outcome;
}

async function openSocket(app: LoggedServer, options: ClientOptions = {}): Promise<WebSocket> {
  const outcome = await knock(app, options);
  if (!outcome.opened) throw new Error(`upgrade refused with ${outcome.status}`);
  return outcome.socket;
}

async function connections(app: LoggedServer): Promise<number> {
  return ((await (await fetch(`${app.url}/healthz`)).json()) as { connections: number }).connections;
}

describe("connection limits", () => {
  it("refuses the upgrade past MAX_CONNECTIONS with 503 and Retry-After, before a WebSocket opens, and logs it", async () => {
    const app = await startLoggedServer({ MAX_CONNECTIONS: "2", MAX_CONNECTIONS_PER_IP: "10" });
    await openSocket(app);
    await openSocket(app);

    const refused = await knock(app);

    expect(refused).toMatchObject({ opened: false, status: 503, headers: { "retry-after": expect.stringMatching(/^\d+$/) } });
    expect(await connections(app)).toBe(2);
    expect(app.events("connection_refused")).toEqual([
      expect.objectContaining({ level: "warn", reason: "max_connections", ip: "127.0.0.1" }),
    ]);
  });

  it("accepts a new connection once one has closed", async () => {
    const app = await startLoggedServer({ MAX_CONNECTIONS: "2", MAX_CONNECTIONS_PER_IP: "10" });
    const first = await openSocket(app);
    await openSocket(app);
    expect((await knock(app)).opened).toBe(false);

    first.close();
    await waitFor(async () => (await connections(app)) === 1, "the closed connection to be uncounted");

    expect((await knock(app)).opened).toBe(true);
  });

  it("refuses past MAX_CONNECTIONS_PER_IP from one address while another address still gets in", async () => {
    const app = await startLoggedServer({ MAX_CONNECTIONS: "10", MAX_CONNECTIONS_PER_IP: "2" });
    await openSocket(app);
    await openSocket(app);

    const refused = await knock(app);
    // All of 127.0.0.0/8 is loopback on Linux: a second client address without a second host.
    const otherAddress = await knock(app, { localAddress: "127.0.0.2" });

    expect(refused).toMatchObject({ opened: false, status: 503, headers: { "retry-after": expect.stringMatching(/^\d+$/) } });
    expect(otherAddress.opened).toBe(true);
    expect(app.events("connection_refused")).toEqual([
      expect.objectContaining({ reason: "max_connections_per_ip", ip: "127.0.0.1" }),
    ]);
  });

  it("counts by the TCP peer's address, not by a client-written X-Forwarded-For", async () => {
    const app = await startLoggedServer({ MAX_CONNECTIONS: "10", MAX_CONNECTIONS_PER_IP: "1" });
    await openSocket(app);

    const spoofed = await knock(app, { headers: { "X-Forwarded-For": "203.0.113.7" } });

    expect(spoofed).toMatchObject({ opened: false, status: 503 });
    expect(app.events("connection_refused")).toEqual([expect.objectContaining({ ip: "127.0.0.1" })]);
  });
});
