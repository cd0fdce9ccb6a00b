/**
 * `npm run start:cluster`: two chat nodes on one Redis, to try multi-node mode locally
 * (docs/scaling.md). Uses `REDIS_URL` when set; otherwise starts a throwaway `redis-server` on
 * port 6380 with no persistence. Node A serves http://127.0.0.1:3001, node B :3002; each line
 * they print is prefixed with its name. Ctrl-C or SIGTERM stops the nodes (they drain their
 * clients), then Redis; if any of them exits on its own, the rest are stopped and this exits 1.
 * Plain Node on purpose: nothing to build or install besides the server itself.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";
import { clearTimeout, setTimeout } from "node:timers";
import { fileURLToPath, URL } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SERVER_MAIN = join(ROOT, "apps/server/dist/main.js");
/** Not Redis's default 6379, so a Redis already running on this machine is left alone. */
const REDIS_PORT = 6380;
const NODES = [
  { name: "node-a", port: 3001 },
  { name: "node-b", port: 3002 },
];
/** How long a child may take to stop after SIGTERM before it is killed; the nodes give themselves 5 s. */
const STOP_DEADLINE_MS = 10_000;

/** The name Redis's lines are prefixed with; it is stopped after the nodes. */
const REDIS = "redis";
/** Running children by name. */
const children = new Map();
let stopping = false;
let exitCode = 0;

/** Writes one line of this script's own, prefixed like the children's. */
function say(line, stream = process.stdout) {
  stream.write(`[cluster] ${line}\n`);
}

/** Copies each line a child prints to ours, prefixed with its name. */
function prefixLines(name, from, to) {
  createInterface({ input: from, crlfDelay: Infinity }).on("line", (line) => to.write(`[${name}] ${line}\n`));
}

/**
 * Starts a child in its own process group, so that a Ctrl-C in the terminal reaches only this
 * script, which then stops the nodes before Redis (Redis first would make them log its loss).
 * Resolves once it is running; rejects if it could not be started at all (a missing binary).
 * Its end is taken from `close`, not `exit`, so that its last lines are printed before ours.
 */
function start(name, command, args, env) {
  const child = spawn(command, args, { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  prefixLines(name, child.stdout, process.stdout);
  prefixLines(name, child.stderr, process.stderr);
  const exited = new Promise((resolve) => child.once("close", (code, signal) => resolve({ code, signal })));
  // Known from now on, so that a stop that begins before it is running still stops it.
  children.set(name, { child, exited });
  void exited.then(({ code, signal }) => {
    children.delete(name);
    if (stopping) return;
    say(`${name} exited on its own (${signal ?? `code ${code}`}); stopping the rest`, process.stderr);
    void stopAll(1);
  });
  return new Promise((resolve, reject) => {
    child.once("error", (error) => {
      children.delete(name);
      reject(error);
    });
    child.once("spawn", () => resolve());
  });
}

/** Stops a child with SIGTERM, then, past the deadline, SIGKILL; resolves whether it stopped cleanly. */
async function stop(name, { child, exited }) {
  child.kill("SIGTERM");
  const killer = setTimeout(() => {
    say(`${name} did not stop within ${STOP_DEADLINE_MS / 1000} s; killing it`, process.stderr);
    child.kill("SIGKILL");
  }, STOP_DEADLINE_MS);
  const { code, signal } = await exited;
  clearTimeout(killer);
  // A node stops with exit 0; redis-server too, or by the signal itself.
  return code === 0 || signal === "SIGTERM";
}

/** Stops the nodes together (each drains its clients), then Redis, which they need until then; then exits. */
async function stopAll(code) {
  exitCode = Math.max(exitCode, code);
  if (stopping) return;
  stopping = true;
  const running = [...children];
  const nodes = await Promise.all(running.filter(([name]) => name !== REDIS).map(([name, entry]) => stop(name, entry)));
  const redis = await Promise.all(running.filter(([name]) => name === REDIS).map(([name, entry]) => stop(name, entry)));
  if (![...nodes, ...redis].every(Boolean)) exitCode = Math.max(exitCode, 1);
  process.exit(exitCode);
}

/** Starts a Redis for this run only, in a fresh folder removed on exit. Returns its URL. */
async function startRedis() {
  const dir = mkdtempSync(join(tmpdir(), "chat-cluster-redis-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const args = [
    "--port", String(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir,
    // What docs/scaling.md recommends for production: a client that leaves this much of its
    // replies unread is disconnected, instead of Redis growing without bound.
    "--client-output-buffer-limit", "normal 64mb 16mb 10",
  ];
  try {
    await start(REDIS, "redis-server", args, process.env);
  } catch (error) {
    if (error.code !== "ENOENT") throw error;
    say("redis-server was not found. Install Redis (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis),", process.stderr);
    say("or set REDIS_URL to a Redis you already run, e.g. REDIS_URL=redis://127.0.0.1:6379 npm run start:cluster", process.stderr);
    process.exit(1);
  }
  return `redis://127.0.0.1:${REDIS_PORT}`;
}

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    if (!stopping) {
      say(`${signal}: stopping the nodes, then Redis`);
      void stopAll(0);
      return;
    }
    // A second Ctrl-C means "now": nothing is waited for.
    for (const { child } of children.values()) child.kill("SIGKILL");
    process.exit(130);
  });
}
// Whatever ends this script, it leaves no child running behind it.
process.on("exit", () => {
  for (const { child } of children.values()) child.kill("SIGKILL");
});

const redisUrl = process.env.REDIS_URL || (await startRedis());
say(process.env.REDIS_URL ? "using the Redis at REDIS_URL" : `started redis-server on 127.0.0.1:${REDIS_PORT} (no persistence)`);
for (const { name, port } of NODES) {
  if (stopping) break;
  await start(name, process.execPath, ["--enable-source-maps", SERVER_MAIN], { ...process.env, PORT: String(port), REDIS_URL: redisUrl });
}
if (!stopping) say(`open ${NODES.map(({ port }) => `http://127.0.0.1:${port}`).join(" and ")} in two browsers; Ctrl-C stops everything`);
