/**
 * TRUST_PROXY on a real server: behind a proxy the operator trusts, each client's X-Forwarded-For
 * address gets its own connection budget; without it, X-Forwarded-For is a header like any other
 * and every client of one TCP peer shares that peer's budget.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { WebSocket } from "ws";
import { startLoggedServer } from "../fixtures/logged-server.js";
import { attemptUpgrade } from "../fixtures/raw-socket.js";

const opened: WebSocket[] = [];
afterEach(() => {
  for (const socket of opened.splice(0)) socket.terminate();
});

/** Whether an upgrade forwarded for `client` opens (true) or is refused (its status). */
async function connectFor(wsUrl: string, client: string): Promise<true | number> {
  const outcome = await attemptUpgrade(wsUrl, { headers: { "X-Forwarded-For": client } });
  if (!outcome.opened) return outcome.status;
  opened.push(outcome.socket);
  return true;
}

describe("TRUST_PROXY", () => {
  it("gives each forwarded client address its own MAX_CONNECTIONS_PER_IP budget when the proxy is trusted", async () => {
    const app = await startLoggedServer({ TRUST_PROXY: "127.0.0.1", MAX_CONNECTIONS_PER_IP: "1" });

    const first = await connectFor(app.wsUrl, "203.0.113.1");
    const second = await connectFor(app.wsUrl, "203.0.113.2");
    const againFirst = await connectFor(app.wsUrl, "203.0.113.1");

    expect(first).toBe(true);
    expect(second).toBe(true);
    expect(againFirst).toBe(503);
    expect(app.events("connection_refused")).toEqual([expect.objectContaining({ reason: "max_connections_per_ip", ip: "203.0.113.1" })]);
  });

  it("makes clients with different X-Forwarded-For share the peer's budget when no proxy is trusted", async () => {
    const app = await startLoggedServer({ MAX_CONNECTIONS_PER_IP: "1" });

    const first = await connectFor(app.wsUrl, "203.0.113.1");
    const second = await connectFor(app.wsUrl, "203.0.113.2");

    expect(first).toBe(true);
    expect(second).toBe(503);
    expect(app.events("connection_refused")).toEqual([expect.objectContaining({ reason: "max_connections_per_ip", ip: "127.0.0.1" })]);
  });
});
