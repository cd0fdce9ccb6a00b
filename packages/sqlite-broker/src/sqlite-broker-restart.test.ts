/**
 * What the SQLite broker adds to the contract: a database reopened by another process (a
 * restarted server) continues where the last one stopped — ids, resumption, deduplication,
 * search — one written by any earlier schema version is brought forward, retention deletes what
 * is too old, and a directory that cannot hold the database is refused with its name.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChatError, ManualClock } from "@chat/api";
import { draft, read, readUntilText, textsOf } from "@chat/api/testing";
import { DATABASE_FILE } from "./message-store.js";
import { SCHEMA_VERSION, migrate } from "./migrations.js";
import { SqliteBroker, type SqliteBrokerOptions } from "./sqlite-broker.js";

describe("SqliteBroker across restarts", { timeout: 20_000 }, () => {
  let dir: string;
  let brokers: SqliteBroker[] = [];
  let controllers: AbortController[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "chat-sqlite-"));
  });
  afterEach(async () => {
    for (const controller of controllers) controller.abort();
    for (const broker of brokers) await broker.close().catch(() => undefined);
    brokers = [];
    controllers = [];
    rmSync(dir, { recursive: true, force: true });
  });

  /** A broker on this test's database, as one server process would open it. */
  const open = (clock = new ManualClock(), options: Partial<SqliteBrokerOptions> = {}): SqliteBroker => {
    const broker = new SqliteBroker({ dataDir: dir, clock, ...options });
    brokers.push(broker);
    return broker;
  };
  const signal = (): AbortSignal => {
    const controller = new AbortController();
    controllers.push(controller);
    return controller.signal;
  };
  /** What a rejected call rejected with. */
  const refusal = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => null, (error: unknown) => error);

  it("resumes a reader from an id given before the restart with exactly what it missed, and no gap notice", async () => {
    const before = open(new ManualClock(1_000_000));
    const [seen, ...missed] = [
      await before.publish("r", draft("alice", "seen")),
      await before.publish("r", draft("alice", "missed 1")),
      await before.publish("r", draft("bob", "missed 2")),
    ];
    await before.close();

    const after = open(new ManualClock(2_000_000));
    expect(after.epoch).toBe(before.epoch);
    const stream = after.messages("r", seen?.id, signal())[Symbol.asyncIterator]();
    const next = await after.publish("r", draft("alice", "after the restart"));
    const resumed = await readUntilText(stream, "after the restart");
    expect(resumed).toEqual([...missed, next]);
    expect(new Set([seen?.id, ...missed.map((message) => message.id), next.id]).size).toBe(4);
    expect(textsOf(await after.history("r", 10))).toEqual(["seen", "missed 1", "missed 2", "after the restart"]);
  });

  it("answers a retry after the restart with the message stored before it, storing nothing", async () => {
    const clock = new ManualClock();
    const before = open(clock);
    const stored = await before.publish("r", draft("alice", "once"), { clientMessageId: "c-1" });
    await before.close();
    const after = open(clock);
    let admitted = 0;
    const retried = await after.publish("r", draft("alice", "once"), { clientMessageId: "c-1", admit: () => admitted++ });
    expect(retried).toEqual(stored);
    expect(admitted).toBe(0);
    expect(await after.history("r", 10)).toEqual([stored]);
  });

  it("acknowledges a message only once it is in the files a killed process would leave", async () => {
    const broker = open();
    const sends = Array.from({ length: 20 }, (_, index) => broker.publish(`room-${index % 3}`, draft("alice", `m${index}`)));
    for (const send of sends) {
      const message = await send;
      // The database and its log as they are on disk now, opened the way a restart opens them.
      const copy = mkdtempSync(join(tmpdir(), "chat-sqlite-copy-"));
      try {
        for (const file of [DATABASE_FILE, `${DATABASE_FILE}-wal`]) copyFileSync(join(dir, file), join(copy, file));
        const reader = new Database(join(copy, DATABASE_FILE));
        const seq = Number(message.id.slice(message.id.lastIndexOf("-") + 1));
        expect(reader.prepare("SELECT text FROM messages WHERE seq = ?").get(seq)).toEqual({ text: message.text });
        reader.close();
      } finally {
        rmSync(copy, { recursive: true, force: true });
      }
    }
  });

  it("refuses a second broker on the same directory while the first holds it, naming the directory", async () => {
    const first = open();
    await first.publish("r", draft("alice", "mine"));
    expect(() => open()).toThrow(new RegExp(`DATA_DIR ${dir} .*another process holds it`));
    await first.close();
    expect(textsOf(await open().history("r", 10))).toEqual(["mine"]);
  });

  it("finds words said before the restart, and pages back through them", async () => {
    const before = open();
    for (let index = 0; index < 30; index++) await before.publish("r", draft("alice", index === 3 ? "the zeppelin lands" : `line ${index}`));
    await before.close();
    const after = open();
    expect(textsOf(await after.search("r", "Zeppelin", 10))).toEqual(["the zeppelin lands"]);
    const newest = await after.historyPage("r", null, 20);
    const oldest = await after.historyPage("r", newest.messages[0]?.id ?? null, 20);
    expect(oldest.hasMore).toBe(false);
    expect(textsOf([...oldest.messages, ...newest.messages])).toHaveLength(30);
  });

  it.each(Array.from({ length: SCHEMA_VERSION - 1 }, (_, index) => index + 1))(
    "brings a database written at schema version %i forward: its messages are kept, searchable and resumable, and it holds names and private rooms",
    async (version) => {
      // What that version wrote: the schema of its steps, and its rows.
      const previous = new Database(join(dir, DATABASE_FILE));
      migrate(previous, version);
      previous.prepare("INSERT INTO meta (key, value) VALUES ('epoch', 'old')").run();
      previous.prepare("INSERT INTO rooms (name, floor) VALUES ('r', 0)").run();
      const insert = previous.prepare("INSERT INTO messages (seq, room, kind, username, text, sent_at, client_key) VALUES (?, 'r', ?, ?, ?, ?, NULL)");
      insert.run(1, "system", "alice", "alice joined", 1000);
      insert.run(2, "user", "alice", "a quokka smiled", 2000);
      insert.run(3, "user", "bob", "indeed", 3000);
      expect(previous.pragma("user_version", { simple: true })).toBe(version);
      previous.close();

      const broker = open();
      expect(broker.epoch).toBe("old");
      expect(textsOf(await broker.search("r", "quokka", 10))).toEqual(["a quokka smiled"]);
      expect(await broker.search("r", "alice", 10)).toEqual([]);
      const stream = broker.messages("r", "old-2", signal())[Symbol.asyncIterator]();
      const next = await broker.publish("r", draft("carol", "hello"));
      expect(next.id).toBe("old-4");
      expect(textsOf(await readUntilText(stream, "hello"))).toEqual(["indeed", "hello"]);
      expect(await broker.access.claimName("alice", "id-1", 1000, 0, false)).toBe(true);
      expect(await broker.access.makePrivate("r", "id-1")).toBe(true);
      await broker.close();
      const check = new Database(join(dir, DATABASE_FILE), { readonly: true });
      expect(check.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
      expect(check.prepare("SELECT count(*) FROM messages").pluck().get()).toBe(4);
      check.close();
      expect(await open().access.roomAccess("r", "id-1")).toEqual({ private: true, member: true });
    },
  );

  it("refuses a database from a newer version of the server, naming the directory", () => {
    const newer = new Database(join(dir, DATABASE_FILE));
    newer.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    newer.close();
    expect(() => open()).toThrow(new RegExp(`DATA_DIR ${dir} .*newer than this server`));
  });

  it("deletes messages older than the retention in the background, and tells a reader resuming from one of the gap", async () => {
    const clock = new ManualClock(10_000_000);
    const first = open(clock);
    const old = [await first.publish("r", draft("alice", "old walrus")), await first.publish("r", draft("alice", "old two"))];
    await first.close();
    clock.advance(60_000);
    const broker = open(clock, { retentionMs: 30_000, retentionSweepMs: 20 });
    const kept = await broker.publish("r", draft("alice", "new walrus"));
    await expect.poll(async () => textsOf(await broker.history("r", 10)), { timeout: 10_000 }).toEqual(["new walrus"]);
    expect(textsOf(await broker.search("r", "walrus", 10))).toEqual(["new walrus"]);
    expect(await refusal(broker.historyPage("r", old[0]?.id ?? "", 10))).toMatchObject({ reason: "UNKNOWN_MESSAGE" });
    const [notice, ...rest] = await read(broker.messages("r", old[0]?.id, signal())[Symbol.asyncIterator](), 2);
    expect(notice).toMatchObject({ kind: "gap", roomId: "r" });
    expect(rest).toEqual([kept]);
    // The notice's id is a position the room resumes from exactly: no second notice.
    expect(await read(broker.messages("r", notice?.id, signal())[Symbol.asyncIterator](), 1)).toEqual([kept]);
  });

  it("never gives an id twice, even after retention deleted every message and the server restarted", async () => {
    const clock = new ManualClock(10_000_000);
    const first = open(clock);
    const old = await first.publish("r", draft("alice", "soon gone"));
    await first.close();
    clock.advance(60_000);
    const sweeping = open(clock, { retentionMs: 30_000, retentionSweepMs: 20 });
    await expect.poll(() => sweeping.history("r", 10), { timeout: 10_000 }).toEqual([]);
    await sweeping.close();
    const after = open(clock);
    const next = await after.publish("r", draft("alice", "new"));
    expect(next.id).not.toBe(old.id);
    const seqOf = (id: string): number => Number(id.slice(id.lastIndexOf("-") + 1));
    expect(seqOf(next.id)).toBeGreaterThan(seqOf(old.id));
  });

  it("keeps every message when no retention is set", async () => {
    const clock = new ManualClock(10_000_000);
    const broker = open(clock);
    await broker.publish("r", draft("alice", "from long ago"));
    clock.advance(10 * 365 * 24 * 3600_000);
    await broker.publish("r", draft("alice", "today"));
    expect(textsOf(await broker.history("r", 10))).toEqual(["from long ago", "today"]);
  });

  it("refuses a DATA_DIR that is a file, or that cannot be created, with one sentence naming it", () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "not a directory");
    for (const bad of [file, join(file, "below"), "/proc/chat-data"]) {
      let error: unknown;
      try {
        new SqliteBroker({ dataDir: bad });
      } catch (caught) {
        error = caught;
      }
      expect(error, bad).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(ChatError);
      expect((error as Error).message).toContain(`DATA_DIR ${bad} cannot hold the chat's database`);
      expect((error as Error).message).not.toContain("\n");
    }
  });
});
