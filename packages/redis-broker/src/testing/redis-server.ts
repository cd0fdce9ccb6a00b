/**
 * A real `redis-server` for tests, started on a free loopback port with a temporary folder of its
 * own. Where the binary is missing, Redis suites are skipped with one loud line, except in CI
 * (`CI=true`), where a missing Redis is a failure. One fixture for the broker's unit tests and, as
 * `@chat/redis-broker/testing`, for the cross-process tests in `tests/` and the bench, so all
 * start Redis the same way.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";

/**
 * The output buffer limit for normal clients, as docs/scaling.md recommends for production: a
 * client that leaves 64 MB of replies unread, or 16 MB for 10 s, is disconnected instead of
 * growing Redis without bound (Redis's default for normal clients is no limit at all).
 */
export const NORMAL_CLIENT_OUTPUT_BUFFER_LIMIT = "normal 64mb 16mb 10";

/** The `redis-server` binary, or `null` when none is installed. */
export const redisServerPath: string | null = findRedisServer();

if (redisServerPath === null) {
  const message = "redis-server not found (apt-get install -y redis-server, or set REDIS_SERVER_PATH): Redis tests cannot run.";
  if (process.env.CI === "true") throw new Error(message);
  process.stderr.write(`\n!!! SKIPPING REDIS TESTS: ${message}\n\n`);
}

/** How to start the server. */
export interface RedisServerOptions {
  /** Append-only persistence in the server's folder, so a restart keeps the data. @default false */
  appendOnly?: boolean;
}

/** A running (or stopped, between `stop` and `start`) Redis server on a fixed port. */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** The server's working folder (RDB and AOF files live here). */
  readonly dir: string;
  /** Stops it politely (`SIGTERM`, which saves when persistence is on) and waits for the exit. */
  stop(): Promise<void>;
  /** Kills it with `SIGKILL`: whatever was not yet on disk is lost, as in a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port and folder; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Freezes it (`SIGSTOP`): its connections stay open, and nothing is answered until `resume`. */
  pause(): void;
  /** Lets a frozen server go on (`SIGCONT`). */
  resume(): void;
  /** One section of `INFO` (e.g. `memory`), as its fields. */
  info(section: string): Promise<Record<string, string>>;
  /** Stops it and removes its folder. */
  dispose(): Promise<void>;
}

/** Starts a fresh `redis-server`; call `dispose()` when done (e.g. in `afterAll`). */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  if (redisServerPath === null) throw new Error("redis-server is not installed.");
  const binary = redisServerPath;
  const dir = mkdtempSync(join(tmpdir(), "chat-redis-"));
  let port = 0;
  let child: ChildProcess | null = null;

  const launch = async (): Promise<void> => {
    const args = [
      "--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "",
      "--appendonly", options.appendOnly ? "yes" : "no", "--appendfsync", "always",
      "--protected-mode", "yes", "--loglevel", "warning",
      "--client-output-buffer-limit", NORMAL_CLIENT_OUTPUT_BUFFER_LIMIT,
    ];
    const started = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    started.stdout?.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    started.stderr?.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    const exited = new Promise<void>((resolve) => started.once("exit", () => resolve()));
    child = started;
    const ready = await waitUntilListening(port, exited);
    if (!ready) {
      child = null;
      throw new Error(`redis-server exited before listening on ${port}:\n${output}`);
    }
  };

  // Another process can take the free port between the check and the bind: try a few.
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      await launch();
      break;
    } catch (error) {
      if (attempt >= 4) throw error;
    }
  }

  const end = async (signal: NodeJS.Signals): Promise<void> => {
    const running = child;
    child = null;
    if (running === null || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
    running.kill(signal);
    // A frozen server (`pause`) acts on the signal only once it runs again.
    running.kill("SIGCONT");
    await exited;
  };

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    stop: () => end("SIGTERM"),
    kill: () => end("SIGKILL"),
    start: launch,
    pause: () => signalRunning(child, "SIGSTOP"),
    resume: () => signalRunning(child, "SIGCONT"),
    info: async (section) => {
      const client = new Redis(port, "127.0.0.1", { lazyConnect: true, maxRetriesPerRequest: 0 });
      try {
        await client.connect();
        return parseInfo(await client.info(section));
      } finally {
        client.disconnect();
      }
    },
    dispose: async () => {
      await end("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Sends `signal` to the server, which must be running. */
function signalRunning(child: ChildProcess | null, signal: NodeJS.Signals): void {
  if (child === null || child.exitCode !== null || child.signalCode !== null) throw new Error(`redis-server is not running (${signal})`);
  child.kill(signal);
}

/** `INFO`'s `field:value` lines as a record. */
function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0 && !line.startsWith("#")) fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}

function findRedisServer(): string | null {
  if (process.env.REDIS_SERVER_PATH) return process.env.REDIS_SERVER_PATH;
  try {
    return execFileSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).trim() || null;
  } catch {
    return null;
  }
}

/** A loopback port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True once `port` accepts connections; false if `exited` settles first. */
async function waitUntilListening(port: number, exited: Promise<void>): Promise<boolean> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 10_000;
  while (!gone && Date.now() < deadline) {
    if (await canConnect(port)) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.connect(port, "127.0.0.1");
  });
}
