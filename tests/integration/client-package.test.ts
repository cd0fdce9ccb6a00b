/**
 * `@chat/client` as a stranger gets it: `npm pack` the package, `npm install` the tarball into a
 * fresh project outside the workspace (from npm's cache where it can, the registry otherwise),
 * then compile a small bot with `tsc` and run it against a real server. `@chat/api` is not
 * published, so this passes only if the tarball carries its types and needs nothing of the
 * workspace.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot, spawnNode } from "../fixtures/child-process.js";
import { startTestServer } from "../fixtures/test-server.js";

const run = promisify(execFile);
const require = createRequire(import.meta.url);
let project = "";
let packed: string[] = [];

/** `name@version` as installed in the workspace, so the consumer's install finds it in npm's cache. */
function asInstalled(name: string): string {
  const { version } = require(`${name}/package.json`) as { version: string };
  return `${name}@${version}`;
}

/** The bot a stranger writes: typed calls, a type error it must be told about, and a close code. */
const BOT = `
import { createChatClient, type ChatMessage, SHUTDOWN_CLOSE_CODE } from "@chat/client";
import WebSocket from "ws";

const url = process.env.CHAT_URL ?? "ws://127.0.0.1:1/trpc";
const client = createChatClient({ url, WebSocket });
await client.trpc.joinRoom.mutate({ roomId: "Packed", username: "stranger" });
const message: ChatMessage = await client.trpc.sendMessage.mutate({ roomId: "packed", text: "from the tarball" });
// @ts-expect-error text is required: the router's types came with the tarball, not \`any\`.
if (url === "never") await client.trpc.sendMessage.mutate({ roomId: "packed" });
const sentAt: Date = message.sentAt;
console.log(JSON.stringify({ roomId: message.roomId, isDate: sentAt instanceof Date, shutdown: SHUTDOWN_CLOSE_CODE }));
await client.close();
`;

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), "chat-client-consumer-"));
  const { stdout } = await run("npm", ["pack", "-w", "@chat/client", "--json", "--pack-destination", project], { cwd: repoRoot });
  const [manifest] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  if (!manifest) throw new Error("npm pack printed no manifest");
  packed = manifest.files.map((file) => file.path);
  await writeFile(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  const install = ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"];
  const tools = [asInstalled("ws"), asInstalled("@types/ws"), asInstalled("@types/node")];
  await run("npm", [...install, join(project, manifest.filename), ...tools], { cwd: project });
}, 180_000); // An install: slow on a busy 2-core machine, and slower still on a cold cache.

afterAll(async () => {
  if (project) await rm(project, { recursive: true, force: true });
});

describe("the packed @chat/client", () => {
  it("packs one bundled module with its source map and one declaration file", () => {
    expect(packed.sort()).toEqual(["dist/index.d.ts", "dist/index.js", "dist/index.js.map", "package.json"]);
  });

  it("depends on registry packages only, and brings no server runtime", async () => {
    const manifest = JSON.parse(await readFile(join(project, "node_modules", "@chat", "client", "package.json"), "utf8")) as { dependencies: Record<string, string> };
    expect(Object.keys(manifest.dependencies).sort()).toEqual(["@trpc/client", "@trpc/server", "superjson", "zod"]);
    const bundle = await readFile(join(project, "node_modules", "@chat", "client", "dist", "index.js"), "utf8");
    const imports = [...bundle.matchAll(/^import\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((match) => match[1]).sort();
    // `@trpc/server/observable` is the Observable type tRPC's own client is built on; no router, no adapter.
    expect(imports).toEqual(["@trpc/client", "@trpc/server/observable", "superjson"]);
    const installed = await readFile(join(project, "package-lock.json"), "utf8");
    expect(installed).not.toMatch(/"node_modules\/(ioredis|@chat\/api)"/);
  });

  it("type-checks and runs a bot written against it, with a real server", async () => {
    await writeFile(join(project, "bot.ts"), BOT);
    await writeFile(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, types: ["node"], outDir: "build" },
        files: ["bot.ts"],
      }),
    );
    // The workspace's own TypeScript, so the check needs no download; it fails on any type error.
    const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
    const compiled = await run(process.execPath, [tsc, "-p", project]).then(
      () => ({ ok: true, output: "" }),
      (error: { stdout?: string }) => ({ ok: false, output: error.stdout ?? String(error) }),
    );
    expect(compiled).toEqual({ ok: true, output: "" });

    const app = await startTestServer();
    const bot = spawnNode([join(project, "build", "bot.js")], { CHAT_URL: app.wsUrl }, project);
    const exit = await bot.exited;

    expect({ exit, stderr: bot.stderr }).toEqual({ exit: { code: 0, signal: null }, stderr: "" });
    expect(JSON.parse(bot.stdout)).toEqual({ roomId: "packed", isDate: true, shutdown: 1001 });
  }, 120_000); // A whole `tsc` run: slow on a busy 2-core machine, so a wider liveness bound.
});
