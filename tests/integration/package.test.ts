/**
 * `@chat/api` as a stranger gets it: `npm pack` the package, unpack the tarball into a fresh
 * project (its dependencies linked from the workspace, since the tests do not install), and use
 * the client from there, with `tsc` and with Node.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { promisify } from "node:util";
import { beforeAll, afterAll, describe, expect, it } from "vitest";
import { repoRoot, spawnNode } from "../fixtures/child-process.js";
import { startTestServer } from "../fixtures/test-server.js";

const run = promisify(execFile);
let project = "";
let packed: string[] = [];

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), "chat-consumer-"));
  const { stdout } = await run("npm", ["pack", "-w", "@chat/api", "--json", "--pack-destination", project], { cwd: repoRoot });
  const [manifest] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  if (!manifest) throw new Error("npm pack printed no manifest");
  packed = manifest.files.map((file) => file.path);
  const target = join(project, "node_modules", "@chat", "api");
  await mkdir(target, { recursive: true });
  await run("tar", ["-xzf", join(project, manifest.filename), "-C", target, "--strip-components=1"]);
  // The dependencies a registry install would bring, linked from the workspace.
  for (const name of ["@trpc", "superjson", "zod", "ws", "@types"]) {
    await symlink(join(repoRoot, "node_modules", name), join(project, "node_modules", name), "dir");
  }
  await writeFile(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
}, 60_000);

afterAll(async () => {
  if (project) await rm(project, { recursive: true, force: true });
});

/** Every module `entry` loads at run time within the package, following relative imports. */
async function runtimeGraph(entry: string): Promise<{ files: string[]; bareImports: string[] }> {
  const files: string[] = [];
  const bareImports = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift();
    if (file === undefined || files.includes(file)) continue;
    files.push(file);
    const source = await readFile(file, "utf8");
    for (const match of source.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+["']([^"']+)["']|^\s*import\s+["']([^"']+)["']/gm)) {
      const specifier = match[1] ?? match[2] ?? "";
      if (/^import\s+type\s/.test(match[0].trim())) continue;
      if (specifier.startsWith(".")) queue.push(join(dirname(file), specifier));
      else bareImports.add(specifier);
    }
  }
  return { files, bareImports: [...bareImports].sort() };
}

describe("the published @chat/api package", () => {
  it("packs the client, the schemas and their types", () => {
    for (const file of ["dist/client.js", "dist/client.d.ts", "dist/schema.js", "dist/schema.d.ts", "dist/index.js", "package.json"]) {
      expect(packed).toContain(file);
    }
    expect(packed.filter((file) => file.startsWith("src/") || file.endsWith(".test.js"))).toEqual([]);
  });

  it("gives a client that pulls in no server code and no Node built-ins", async () => {
    const root = join(project, "node_modules", "@chat", "api");
    const { files, bareImports } = await runtimeGraph(join(root, "dist", "client.js"));

    expect(files.map((file) => relative(root, file)).sort()).toEqual(["dist/client.js", "dist/split-batches.js", "dist/wire-limits.js"]);
    expect(bareImports).toEqual(["@trpc/client", "@trpc/server/observable", "superjson"]);
  });

  it("type-checks a fresh TypeScript project that uses the client", async () => {
    await writeFile(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, skipLibCheck: true, noEmit: true, types: ["node"] },
        files: ["consumer.ts"],
      }),
    );
    await writeFile(
      join(project, "consumer.ts"),
      [
        'import { createChatClient, type ChatMessage } from "@chat/api/client";',
        'import WebSocket from "ws";',
        'const client = createChatClient({ url: "ws://127.0.0.1:1/trpc", WebSocket });',
        "export async function send(): Promise<Date> {",
        '  const message: ChatMessage = await client.trpc.sendMessage.mutate({ roomId: "general", text: "hi" });',
        "  // @ts-expect-error text is required",
        '  await client.trpc.sendMessage.mutate({ roomId: "general" });',
        "  return message.sentAt;",
        "}",
        "",
      ].join("\n"),
    );

    const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
    const result = await run(process.execPath, [tsc, "-p", project]).then(
      () => ({ ok: true, output: "" }),
      (error: { stdout?: string }) => ({ ok: false, output: error.stdout ?? String(error) }),
    );

    expect(result).toEqual({ ok: true, output: "" });
  }, 120_000); // A whole `tsc` run: slow on a busy 2-core machine, so a wider liveness bound.

  it("runs in Node from the tarball against a real server", async () => {
    const app = await startTestServer();
    await writeFile(
      join(project, "consumer.mjs"),
      [
        'import { createChatClient } from "@chat/api/client";',
        'import WebSocket from "ws";',
        "const client = createChatClient({ url: process.env.CHAT_URL, WebSocket });",
        'await client.trpc.joinRoom.mutate({ roomId: "Packed", username: "stranger" });',
        'const message = await client.trpc.sendMessage.mutate({ roomId: "packed", text: "from the tarball" });',
        "console.log(JSON.stringify({ roomId: message.roomId, isDate: message.sentAt instanceof Date }));",
        "await client.close();",
        "",
      ].join("\n"),
    );

    const consumer = spawnNode([join(project, "consumer.mjs")], { CHAT_URL: app.wsUrl });
    const exit = await consumer.exited;

    expect({ exit, stderr: consumer.stderr }).toEqual({ exit: { code: 0, signal: null }, stderr: "" });
    expect(JSON.parse(consumer.stdout)).toEqual({ roomId: "packed", isDate: true });
  });

  it("exports only createChatClient and retryAfterMs at run time from @chat/api/client", async () => {
    // `-e` resolves bare imports from the working directory: the consumer project.
    const script = 'console.log(Object.keys(await import("@chat/api/client")).join(","))';
    const probe = spawnNode(["--input-type=module", "-e", script], {}, project);

    expect(await probe.exited).toEqual({ code: 0, signal: null });
    expect(probe.stdout.trim()).toBe("createChatClient,retryAfterMs");
  });
});
