import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryBroker, systemClock } from "@chat/api";
import { RedisBroker } from "@chat/redis-broker";
import { SqliteBroker } from "@chat/sqlite-broker";
import { describe, expect, it, onTestFinished } from "vitest";
import { createBroker } from "./broker-from-config.js";
import { loadConfig } from "./config.js";
import { createLogger } from "./logger.js";

/** A logger that keeps its lines, raw and parsed. */
function capturingLogger() {
  const raw: string[] = [];
  const logger = createLogger("debug", (line) => raw.push(line));
  return { logger, raw, events: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

/** A fresh directory, removed when the test ends. */
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "chat-config-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe("createBroker", () => {
  it("keeps messages in SQLite in DATA_DIR by default, creating the directory, and says so once", async () => {
    const { logger, events } = capturingLogger();
    const dataDir = join(tempDir(), "nested", "data");

    const broker = createBroker(loadConfig({ DATA_DIR: dataDir, HISTORY_RETENTION_DAYS: "30" }), { clock: systemClock, logger });
    onTestFinished(() => broker.close());

    expect(broker).toBeInstanceOf(SqliteBroker);
    expect(broker.health()).toEqual({ ok: true });
    expect(events()).toEqual([expect.objectContaining({ level: "info", event: "broker", kind: "sqlite", dataDir, retentionDays: 30 })]);
  });

  it("refuses a DATA_DIR that is a file with an error naming it, before logging a broker", () => {
    const { logger, events } = capturingLogger();
    const file = join(tempDir(), "not-a-directory");
    writeFileSync(file, "");

    expect(() => createBroker(loadConfig({ DATA_DIR: file }), { clock: systemClock, logger })).toThrow(`DATA_DIR ${file} cannot hold the chat's database`);
    expect(events()).toEqual([]);
  });

  it("runs in memory with STORE=memory, and says so once", async () => {
    const { logger, events } = capturingLogger();

    const broker = createBroker(loadConfig({ STORE: "memory", HISTORY_SIZE: "200", HISTORY_MAX_BYTES: "2097152" }), { clock: systemClock, logger });
    onTestFinished(() => broker.close());

    expect(broker).toBeInstanceOf(MemoryBroker);
    expect(broker.health()).toEqual({ ok: true });
    expect(events()).toEqual([
      expect.objectContaining({ level: "info", event: "broker", kind: "memory", historySize: 200, historyMaxBytes: 2_097_152 }),
    ]);
  });

  it("runs on Redis when REDIS_URL is set, logging where without the password", async () => {
    const { logger, raw, events } = capturingLogger();
    // Port 1 refuses connections: the broker must still be built, and say it cannot serve.
    const config = loadConfig({ REDIS_URL: "redis://:hunter2@127.0.0.1:1/0", REDIS_KEY_PREFIX: "test:", ROOM_TTL_DAYS: "7" });

    const broker = createBroker(config, { clock: systemClock, logger });
    onTestFinished(() => broker.close());

    expect(broker).toBeInstanceOf(RedisBroker);
    expect(broker.health()).toMatchObject({ ok: false, reason: expect.any(String) });
    expect(events()[0]).toMatchObject({
      level: "info",
      event: "broker",
      kind: "redis",
      url: "redis://:***@127.0.0.1:1/0",
      keyPrefix: "test:",
      presenceTtlMs: 15_000,
      presenceRefreshMs: 5000,
      roomTtlMs: 7 * 24 * 60 * 60 * 1000,
    });
    expect(raw.join("")).not.toContain("hunter2");
  });
});
