/**
 * The three servers under the same load, each started fresh in its own process for each
 * measurement, so that one scenario's leftovers (memory, rooms, JIT state) never colour another.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Child, spawnNode } from "./children.js";
import type { Protocol } from "./load/client.js";

/** The repository root: every process runs from here. */
export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** Which server: ours in memory, ours on SQLite (the default store), ours on Redis, and the two references. */
export type TargetName = "ours" | "ours-sqlite" | "ours-redis" | "raw-ws" | "socketio";

/** The targets in the order the table shows them. */
export const TARGET_NAMES: readonly TargetName[] = ["ours", "ours-sqlite", "ours-redis", "raw-ws", "socketio"];

/** How each target is labelled in the table and the chart. */
export const TARGET_LABELS: Record<TargetName, string> = {
  ours: "ours",
  "ours-sqlite": "ours (SQLite)",
  "ours-redis": "ours (Redis)",
  "raw-ws": "raw ws",
  socketio: "Socket.IO",
};

/** The protocol each target's clients speak. */
export const TARGET_PROTOCOLS: Record<TargetName, Protocol> = {
  ours: "trpc",
  "ours-sqlite": "trpc",
  "ours-redis": "trpc",
  "raw-ws": "raw-ws",
  socketio: "socketio",
};

/** Our server's store for each of our targets: `STORE`. */
const OURS_STORES: Partial<Record<TargetName, string>> = { ours: "memory", "ours-sqlite": "sqlite", "ours-redis": "redis" };

/** Whether a target is our server (on any store), which takes the bench's env and profiling flags. */
export function isOurs(name: TargetName): boolean {
  return OURS_STORES[name] !== undefined;
}

const OURS_MAIN = fileURLToPath(new URL("../../apps/server/dist/main.js", import.meta.url));

/**
 * Our server's settings for the run. The defaults of the contract (5 sends/s, 500 connections and
 * 200 sends per address…) would refuse the load itself, which all comes from 127.0.0.1; the slow-consumer
 * guard is lifted too, since the bench measures how far behind the server falls rather than
 * when it gives up on a client. The references have none of these limits.
 */
const OURS_ENV: Record<string, string> = {
  HOST: "127.0.0.1",
  PORT: "0",
  LOG_LEVEL: "warn",
  SEND_RATE_BURST: "1000000",
  SEND_RATE_PER_SEC: "1000000",
  JOIN_RATE_BURST: "1000000",
  JOIN_RATE_PER_SEC: "1000000",
  TYPING_RATE_BURST: "1000000",
  TYPING_RATE_PER_SEC: "1000000",
  SUBSCRIBE_RATE_BURST: "1000000",
  SUBSCRIBE_RATE_PER_SEC: "1000000",
  ADDRESS_CONNECT_RATE_BURST: "1000000",
  ADDRESS_CONNECT_RATE_PER_SEC: "1000000",
  ADDRESS_JOIN_RATE_BURST: "1000000",
  ADDRESS_JOIN_RATE_PER_SEC: "1000000",
  ADDRESS_SEND_RATE_BURST: "1000000",
  ADDRESS_SEND_RATE_PER_SEC: "1000000",
  ADDRESS_TYPING_RATE_BURST: "1000000",
  ADDRESS_TYPING_RATE_PER_SEC: "1000000",
  ADDRESS_ROOM_RATE_BURST: "1000000",
  ADDRESS_ROOM_RATE_PER_SEC: "1000000",
  RATE_LIMIT_STRIKES: "1000000",
  MAX_CONNECTIONS: "1000000",
  MAX_CONNECTIONS_PER_IP: "1000000",
  MAX_HTTP_CONNECTIONS: "1000000",
  MAX_HTTP_CONNECTIONS_PER_IP: "1000000",
  MAX_ROOMS_PER_CONNECTION: "1000",
  MAX_SUBSCRIPTIONS_PER_CONNECTION: "1000",
  MAX_ROOMS: "1000000",
  SLOW_CONSUMER_MAX_BYTES: "1073741824",
  SLOW_CONSUMER_DRAIN_MS: "3600000",
};

/** A started target. */
export interface RunningTarget {
  readonly name: TargetName;
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** How to start one target. */
export interface StartOptions {
  /** Extra `node` flags for our server only (e.g. `--cpu-prof`). */
  oursNodeFlags?: string[];
}

/** Fails early, with the fix, when our server has not been built. */
export function checkOursBuilt(): void {
  if (!existsSync(OURS_MAIN)) {
    throw new Error(`${OURS_MAIN} is missing: build it first (npm run bench does: turbo run build --filter=@chat/server...)`);
  }
}

function spawnTarget(name: TargetName, options: StartOptions, redisUrl: string | null, dataDir: string | null): Child {
  const path = process.env.PATH ?? "";
  const store = OURS_STORES[name];
  if (store !== undefined) {
    // Exactly what `npm start` runs (apps/server's `start` script), plus any profiling flags.
    const args = ["--enable-source-maps", ...(options.oursNodeFlags ?? []), OURS_MAIN];
    const redis: Record<string, string> = redisUrl === null ? {} : { REDIS_URL: redisUrl };
    const data: Record<string, string> = dataDir === null ? {} : { DATA_DIR: dataDir };
    return spawnNode({ args, env: { PATH: path, ...OURS_ENV, STORE: store, ...redis, ...data }, cwd: repoRoot });
  }
  const script = fileURLToPath(new URL(`./servers/${name === "raw-ws" ? "raw-ws-server" : "socketio-server"}.ts`, import.meta.url));
  // Loaded through tsx: its loader costs start-up time and a fixed amount of memory, both outside
  // what is measured (CPU and RSS are differences taken after start).
  return spawnNode({ args: ["--import", "tsx", script], env: { PATH: path, PORT: "0" }, cwd: repoRoot, ipc: true });
}

/**
 * Starts a target and waits until it serves. Ours on Redis gets a fresh `redis-server` of its own
 * (the one the tests use, on a free port, no persistence), stopped with it; its CPU is Redis's,
 * not counted in the server's figures.
 */
export async function startTarget(name: TargetName, options: StartOptions = {}): Promise<RunningTarget> {
  const redis = name === "ours-redis" ? await (await import("@chat/redis-broker/testing")).startRedisServer() : null;
  // On SQLite, a database of its own per start, as for a fresh install: no earlier run's history.
  const dataDir = name === "ours-sqlite" ? mkdtempSync(join(tmpdir(), "chat-bench-")) : null;
  const child = spawnTarget(name, options, redis?.url ?? null, dataDir);
  const stop = async (graceMs: number): Promise<void> => {
    await child.stop(graceMs);
    await redis?.dispose();
    if (dataDir !== null) rmSync(dataDir, { recursive: true, force: true });
  };
  const match = await child.waitForLine(/(?:running|listening) at (http:\/\/127\.0\.0\.1:\d+)/, 20_000).catch(async (error: unknown) => {
    await stop(0);
    throw error;
  });
  const origin = match[1] ?? "";
  // On Redis, ours listens before it has connected: it is ready once /healthz says so.
  if (redis !== null) await untilHealthy(origin).catch(async (error: unknown) => {
    await stop(0);
    throw error;
  });
  return {
    name,
    origin,
    pid: child.pid,
    // Ours shuts down gracefully on SIGTERM (and writes its CPU profile if asked); give it time.
    stop: () => stop(isOurs(name) ? 8000 : 2000),
  };
}

/** Resolves once `origin`'s /healthz answers 200; fails after 20 s. */
async function untilHealthy(origin: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await fetch(`${origin}/healthz`).then((response) => response.status, () => 0)) !== 200) {
    if (Date.now() > deadline) throw new Error(`${origin}/healthz did not answer 200 within 20 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
