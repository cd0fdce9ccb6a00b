import { readFile } from "node:fs/promises";
import { type BrokerHealth, MemoryBroker } from "@chat/api";
import { describe, expect, it } from "vitest";
import { uniqueRoomId, waitFor } from "../fixtures/helpers.js";
import { rawRequest } from "../fixtures/raw-http.js";
import { openTappedSocket } from "../fixtures/raw-socket.js";
import { startTestServer, type TestServer } from "../fixtures/test-server.js";

interface Health {
  status: string;
  uptimeSeconds: number;
  connections: number;
  rooms: number;
}

async function health(app: TestServer): Promise<Health> {
  const response = await fetch(`${app.url}/healthz`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  return (await response.json()) as Health;
}

/** The in-memory broker, reporting whatever health the test sets, as a Redis broker does while Redis is away. */
class SwitchableHealthBroker extends MemoryBroker {
  current: BrokerHealth = { ok: true };

  override health(): BrokerHealth {
    return this.current;
  }
}

function site(app: TestServer): NonNullable<TestServer["site"]> {
  if (!app.site) throw new Error("the test server has no static site");
  return app.site;
}

describe("GET /healthz", () => {
  it("answers 200 with JSON status, uptime, connections and rooms", async () => {
    const app = await startTestServer();

    const body = await health(app);

    expect(body).toEqual({ status: "ok", uptimeSeconds: expect.any(Number), connections: 0, rooms: 0 });
    expect(body.uptimeSeconds).toBeGreaterThanOrEqual(0);
  });

  it("counts open client connections and rooms", async () => {
    const app = await startTestServer();
    const client = app.client();
    await client.trpc.joinRoom.mutate({ roomId: uniqueRoomId("health"), username: "alice" });

    const busy = await health(app);
    await client.close();
    await waitFor(async () => (await health(app)).connections === 0, "the closed connection to be uncounted");

    expect(busy.connections).toBe(1);
    expect(busy.rooms).toBe(1);
  });

  it("answers 503 with the broker's reason while the broker cannot serve, and 200 again once it can", async () => {
    const broker = new SwitchableHealthBroker();
    const app = await startTestServer({}, { broker });

    broker.current = { ok: false, reason: "Redis is unreachable (connect ECONNREFUSED 127.0.0.1:6379)." };
    const down = await fetch(`${app.url}/healthz`);
    const downBody: unknown = await down.json();
    broker.current = { ok: true };
    const back = await health(app);

    expect(down.status).toBe(503);
    expect(down.headers.get("cache-control")).toBe("no-store");
    expect(downBody).toEqual({
      status: "unavailable",
      reason: "Redis is unreachable (connect ECONNREFUSED 127.0.0.1:6379).",
      uptimeSeconds: expect.any(Number),
      connections: 0,
      rooms: 0,
    });
    expect(back).toEqual({ status: "ok", uptimeSeconds: expect.any(Number), connections: 0, rooms: 0 });
  });

  it("says shutting_down while draining, even when the broker cannot serve either", async () => {
    const broker = new SwitchableHealthBroker();
    const app = await startTestServer({}, { broker });
    // A client that stops reading never answers the close frame, so the drain lasts its grace.
    const lingering = await openTappedSocket(app.wsUrl);
    lingering.tcp.pause();
    broker.current = { ok: false, reason: "Redis is unreachable (connection closed)." };

    const closing = app.server.close();
    const response = await fetch(`${app.url}/healthz`);
    const body: unknown = await response.json();
    lingering.tcp.destroy();
    await closing;

    expect(response.status).toBe(503);
    expect(body).toMatchObject({ status: "shutting_down", reason: "Redis is unreachable (connection closed)." });
  });
});

describe("the SPA", () => {
  it("serves index.html at / with no-cache and a Content-Security-Policy", async () => {
    const app = await startTestServer();

    const response = await fetch(`${app.url}/`);

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.headers.get("cache-control")).toBe("no-cache");
    expect(response.headers.get("content-security-policy")).toMatch(/default-src/);
    expect(await response.text()).toBe(site(app).indexHtml);
  });

  it("serves hashed assets as JavaScript, cached as immutable", async () => {
    const app = await startTestServer();

    const response = await fetch(`${app.url}/assets/app-abc123.js`);

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/javascript|^application\/javascript/);
    expect(response.headers.get("cache-control")).toMatch(/immutable/);
    expect(await response.text()).toBe(site(app).appJs);
  });

  it("falls back to index.html for client-side routes", async () => {
    const app = await startTestServer();

    const response = await fetch(`${app.url}/room/x`);

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await response.text()).toBe(site(app).indexHtml);
  });

  it("answers 404 for a missing file, such as a stale hashed asset, instead of serving the app under its name", async () => {
    const app = await startTestServer();

    const response = await fetch(`${app.url}/assets/app-gone999.js`);

    expect(response.status).toBe(404);
    expect(await response.text()).not.toBe(site(app).indexHtml);
  });

  it.each([
    "/../package.json",
    "/../secret.txt",
    "/%2e%2e/package.json",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/assets/..%2f..%2fpackage.json",
    "/assets/%2e%2e%2f%2e%2e%2fsecret.txt",
    "/..%5csecret.txt",
    "/%2e%2e%5csecret.txt",
    "//etc/passwd",
    "/%2fetc%2fpasswd",
    "/..%00/secret.txt",
  ])("never serves a file outside the static folder for %s", async (path) => {
    const app = await startTestServer();
    const passwd = await readFile("/etc/passwd", "utf8").catch(() => "root:x:0:0");

    const response = await rawRequest(app.port, path);

    expect([200, 400, 404]).toContain(response.status);
    if (response.status === 200) expect(response.body).toBe(site(app).indexHtml);
    expect(response.body).not.toContain(site(app).secret);
    expect(response.body).not.toContain(passwd.slice(0, 16));
  });

  it("answers POST with 405", async () => {
    const app = await startTestServer();

    const response = await fetch(`${app.url}/`, { method: "POST", body: "x" });

    expect(response.status).toBe(405);
  });
});
