import { createChatClient, SHUTDOWN_CLOSE_CODE } from "@chat/client";
import { describe, expect, it, onTestFinished } from "vitest";
import WebSocket from "ws";
import { spawnNode } from "../fixtures/child-process.js";
import { tempDataDir } from "../fixtures/data-dir.js";
import { uniqueRoomId } from "../fixtures/helpers.js";
import { openRawSocket } from "../fixtures/raw-socket.js";
import { createStaticSite, type StaticSite } from "../fixtures/static-site.js";

const MAIN = "apps/server/dist/main.js";

async function staticSite(): Promise<StaticSite> {
  const site = await createStaticSite();
  onTestFinished(() => site.remove());
  return site;
}

/** Starts the built server on a free port and returns its URL. */
async function startProcess(env: Record<string, string>): Promise<{ url: string; port: number; process: ReturnType<typeof spawnNode> }> {
  const server = spawnNode([MAIN], { PORT: "0", DATA_DIR: tempDataDir(), ...env });
  const [, url = "", port = ""] = await server.waitForStdout(/chat is running at (http:\/\/127\.0\.0\.1:(\d+))\n/, "the start banner");
  return { url, port: Number(port), process: server };
}

describe("the server process", () => {
  it("prints one clear line to stderr and exits 1 for a bad PORT", async () => {
    const site = await staticSite();
    const server = spawnNode([MAIN], { PORT: "abc", STATIC_DIR: site.dir });

    const exit = await server.exited;

    expect(exit.code).toBe(1);
    const lines = server.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/PORT/);
    expect(lines[0]).not.toMatch(/^\s*at /);
    expect(server.stdout).not.toMatch(/chat is running/);
  });

  it("exits 1 with one line naming REDIS_URL when it is not a Redis URL", async () => {
    const site = await staticSite();
    const server = spawnNode([MAIN], { PORT: "0", REDIS_URL: "http://127.0.0.1:6379", STATIC_DIR: site.dir });

    const exit = await server.exited;

    expect(exit.code).toBe(1);
    const lines = server.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/);
  });

  it("exits 1 with one line naming DATA_DIR when another server already keeps its messages there", async () => {
    const site = await staticSite();
    const dataDir = tempDataDir();
    await startProcess({ STATIC_DIR: site.dir, DATA_DIR: dataDir, LOG_LEVEL: "silent" });
    const second = spawnNode([MAIN], { PORT: "0", STATIC_DIR: site.dir, DATA_DIR: dataDir });

    const exit = await second.exited;

    expect(exit.code).toBe(1);
    const lines = second.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`DATA_DIR ${dataDir} cannot hold the chat's database: another process holds it`);
  });

  it("serves the SPA, /healthz and /trpc on one port, on 127.0.0.1 by default", async () => {
    const site = await staticSite();
    const { url, port } = await startProcess({ STATIC_DIR: site.dir, LOG_LEVEL: "silent" });

    const page = await fetch(`${url}/`);
    const health = await fetch(`${url}/healthz`);
    const client = createChatClient({ url: `ws://127.0.0.1:${port}/trpc`, WebSocket, retryDelayMs: () => 50 });
    onTestFinished(() => client.close());
    const roomId = uniqueRoomId("process");
    const joined = await client.trpc.joinRoom.mutate({ roomId, username: "alice" });

    expect(url).toBe(`http://127.0.0.1:${port}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toBe(site.indexHtml);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok" });
    expect(joined.roomId).toBe(roomId);
  });

  it.each(["SIGTERM", "SIGINT"] as const)(
    "on %s closes client sockets with 1001 and exits 0",
    async (signal) => {
      const site = await staticSite();
      const { port, process: server } = await startProcess({ STATIC_DIR: site.dir, LOG_LEVEL: "info" });
      const raw = await openRawSocket(`ws://127.0.0.1:${port}/trpc`);
      // A typed client with a room and a subscription, whose reconnect attempts must not hold
      // the process up.
      const client = createChatClient({ url: `ws://127.0.0.1:${port}/trpc`, WebSocket, retryDelayMs: () => 50 });
      onTestFinished(() => client.close());
      const roomId = uniqueRoomId("shutdown");
      await client.trpc.joinRoom.mutate({ roomId, username: "alice" });
      const secret = `secret-body-${Math.random().toString(36).slice(2)}`;
      await client.trpc.sendMessage.mutate({ roomId, text: secret });
      client.trpc.onMessage.subscribe({ roomId }, {});

      server.child.kill(signal);

      expect(await raw.closed).toBe(SHUTDOWN_CLOSE_CODE);
      const exit = await server.exited;
      expect(exit).toEqual({ code: 0, signal: null });
      // Before closing, the server may ask tRPC clients to reconnect; nothing else arrives.
      for (const message of raw.received) expect(message).toEqual({ id: null, method: "reconnect" });
      // One JSON object per log line besides the banner, and never a message body.
      const logLines = server.stdout.split("\n").filter((line) => line !== "" && !line.startsWith("chat is running at "));
      expect(logLines.length).toBeGreaterThan(0);
      for (const line of logLines) expect(() => JSON.parse(line) as unknown).not.toThrow();
      expect(server.stdout + server.stderr).not.toContain(secret);
    },
  );
});
