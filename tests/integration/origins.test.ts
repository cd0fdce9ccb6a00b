/**
 * Which pages may open a WebSocket, on a real server: its public origin(s) and ALLOWED_ORIGINS,
 * never the request's own Host (the DNS-rebinding pattern).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { WebSocket } from "ws";
import { startLoggedServer } from "../fixtures/logged-server.js";
import { attemptUpgrade, type UpgradeOutcome } from "../fixtures/raw-socket.js";

const opened: WebSocket[] = [];
afterEach(() => {
  for (const socket of opened.splice(0)) socket.terminate();
});

/** Attempts an upgrade with `headers`, keeping an opened socket for cleanup; resolves with its status (101 when opened). */
async function upgradeStatus(wsUrl: string, headers: Record<string, string>): Promise<number> {
  const outcome: UpgradeOutcome = await attemptUpgrade(wsUrl, { headers });
  if (!outcome.opened) return outcome.status;
  opened.push(outcome.socket);
  return 101;
}

describe("WebSocket origins", () => {
  it("refuses a DNS-rebinding page, whose Origin matches the Host it sent, with 403 and logs it", async () => {
    const app = await startLoggedServer();

    const bare = await upgradeStatus(app.wsUrl, { Host: "evil.example", Origin: "http://evil.example" });
    const withPort = await upgradeStatus(app.wsUrl, { Host: `evil.example:${app.port}`, Origin: `http://evil.example:${app.port}` });

    expect(bare).toBe(403);
    expect(withPort).toBe(403);
    expect(app.events("origin_refused")).toEqual([
      expect.objectContaining({ origin: "http://evil.example", ip: "127.0.0.1" }),
      expect.objectContaining({ origin: `http://evil.example:${app.port}` }),
    ]);
  });

  it("accepts by default the pages of localhost and 127.0.0.1 on the server's port, and no other port", async () => {
    const app = await startLoggedServer();

    expect(await upgradeStatus(app.wsUrl, { Origin: `http://localhost:${app.port}` })).toBe(101);
    expect(await upgradeStatus(app.wsUrl, { Origin: `http://127.0.0.1:${app.port}` })).toBe(101);
    expect(await upgradeStatus(app.wsUrl, { Origin: `http://localhost:${app.port + 1}` })).toBe(403);
    expect(await upgradeStatus(app.wsUrl, { Origin: `https://localhost:${app.port}` })).toBe(403);
  });

  it("lets programs that send no Origin through", async () => {
    const app = await startLoggedServer();

    expect(await upgradeStatus(app.wsUrl, {})).toBe(101);
  });

  it("answers to PUBLIC_ORIGIN instead of the local defaults, and to ALLOWED_ORIGINS besides", async () => {
    const app = await startLoggedServer({ PUBLIC_ORIGIN: "https://chat.example.com", ALLOWED_ORIGINS: "https://app.example.com" });

    expect(await upgradeStatus(app.wsUrl, { Host: "chat.example.com", Origin: "https://chat.example.com" })).toBe(101);
    expect(await upgradeStatus(app.wsUrl, { Origin: "https://app.example.com" })).toBe(101);
    expect(await upgradeStatus(app.wsUrl, { Origin: `http://localhost:${app.port}` })).toBe(403);
    expect(await upgradeStatus(app.wsUrl, { Origin: `http://127.0.0.1:${app.port}` })).toBe(403);
    expect(await upgradeStatus(app.wsUrl, { Origin: "http://chat.example.com" })).toBe(403);
  });

  it("accepts the Vite dev server's origins when ALLOWED_ORIGINS lists them, as the server's dev script does", async () => {
    const app = await startLoggedServer({ ALLOWED_ORIGINS: "http://localhost:5173,http://127.0.0.1:5173" });

    expect(await upgradeStatus(app.wsUrl, { Origin: "http://localhost:5173" })).toBe(101);
    expect(await upgradeStatus(app.wsUrl, { Origin: "http://127.0.0.1:5173" })).toBe(101);
    expect(await upgradeStatus(app.wsUrl, { Origin: `http://localhost:${app.port}` })).toBe(101);
  });
});
