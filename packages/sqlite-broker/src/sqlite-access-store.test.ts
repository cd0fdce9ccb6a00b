/**
 * The SQLite access store against the same contract as the memory one, each store on a database
 * of its own; then what only a file gives: claims and private rooms outlive a restart, holds
 * without expiry do not, and lapsed rows are swept rather than kept.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ManualClock } from "@chat/api";
import { describeAccessContract } from "@chat/api/testing";
import { DATABASE_FILE } from "./message-store.js";
import { SqliteBroker } from "./sqlite-broker.js";

describeAccessContract("SqliteAccessStore", async () => {
  const dir = mkdtempSync(join(tmpdir(), "chat-sqlite-access-"));
  const broker = new SqliteBroker({ dataDir: dir });
  return {
    store: broker.access,
    close: async () => {
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe("SqliteAccessStore across restarts", () => {
  const HOUR = 3600_000;
  let dir: string;
  let brokers: SqliteBroker[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "chat-sqlite-access-restart-"));
  });
  afterEach(async () => {
    vi.useRealTimers();
    for (const broker of brokers) await broker.close().catch(() => undefined);
    brokers = [];
    rmSync(dir, { recursive: true, force: true });
  });

  /** A broker on this test's database, as one server process would open it. */
  const open = (clock = new ManualClock()): SqliteBroker => {
    const broker = new SqliteBroker({ dataDir: dir, clock });
    brokers.push(broker);
    return broker;
  };
  /** Rows of each access table, read once the broker has let go of the file. */
  const rowCounts = (): Record<string, number> => {
    const db = new Database(join(dir, DATABASE_FILE), { readonly: true });
    try {
      const count = (table: string): number => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
      return { name_claims: count("name_claims"), invites: count("invites") };
    } finally {
      db.close();
    }
  };

  it("keeps a claimed name held after the restart: another holder is refused until it lapses", async () => {
    const before = open();
    expect(await before.access.claimName("alice", "id-1", 1000, 0, false)).toBe(true);
    await before.close();
    const after = open();
    expect(await after.access.claimName("alice", "id-2", 2000, 999, false)).toBe(false);
    expect(await after.access.claimName("alice", "id-1", 3000, 999, false)).toBe(true);
    expect(await after.access.claimName("alice", "id-2", 4000, 3000, false)).toBe(true);
  });

  it("keeps a private room private after the restart, with its members and the invites that have not expired", async () => {
    const before = open();
    await before.access.makePrivate("secret", "maker");
    await before.access.addInvite("secret", "hash-1", 1000);
    await before.access.redeemInvite("secret", "hash-1", "guest", 0);
    await before.access.addInvite("secret", "hash-2", 1000);
    await before.access.addInvite("secret", "hash-old", 10);
    await before.close();
    const after = open();
    expect(await after.access.roomAccess("secret", "guest")).toEqual({ private: true, member: true });
    expect(await after.access.roomAccess("secret", "stranger")).toEqual({ private: true, member: false });
    expect(await after.access.privateAmong(["secret", "lobby"])).toEqual(new Set(["secret"]));
    expect(await after.access.privateRoomsOf("maker")).toEqual(["secret"]);
    expect(await after.access.makePrivate("secret", "stranger")).toBe(false);
    expect(await after.access.redeemInvite("secret", "hash-old", "late", 500)).toBe(false);
    expect(await after.access.redeemInvite("secret", "hash-2", "newcomer", 500)).toBe(true);
    expect(await after.access.privateRoomsOf("newcomer")).toEqual(["secret"]);
  });

  it("forgets a hold without expiry at the restart, which ends every connection, and never writes it", async () => {
    const before = open();
    expect(await before.access.claimName("carol", "conn-1", null, 0, false)).toBe(true);
    expect(await before.access.claimName("carol", "id-2", 1000, 0, false)).toBe(false);
    await before.close();
    expect(rowCounts().name_claims).toBe(0);
    const after = open();
    expect(await after.access.claimName("carol", "id-2", 1000, 0, false)).toBe(true);
  });

  it("takes a durable claim from a hold without expiry only by force, and the hold's holder is then refused", async () => {
    const broker = open();
    await broker.access.claimName("dave", "conn-1", null, 0, false);
    expect(await broker.access.claimName("dave", "signed-in", 1000, 0, true)).toBe(true);
    expect(await broker.access.claimName("dave", "conn-1", null, 1, false)).toBe(false);
    await broker.access.releaseName("dave", "conn-1");
    expect(await broker.access.claimName("dave", "conn-2", null, 1, false)).toBe(false);
    await broker.access.releaseName("dave", "signed-in");
    expect(await broker.access.claimName("dave", "conn-2", null, 1, false)).toBe(true);
  });

  it("sweeps claims and invites that lapsed while the server was down at its first tick, then once an hour", async () => {
    const start = 10_000_000;
    const before = open(new ManualClock(start));
    await before.access.makePrivate("secret", "maker");
    await before.access.claimName("gone", "id-1", start + 100, start, false);
    await before.access.claimName("kept", "id-2", start + 10 * HOUR, start, false);
    await before.access.addInvite("secret", "gone", start + 100);
    await before.access.addInvite("secret", "kept", start + 10 * HOUR);
    await before.close();
    expect(rowCounts()).toEqual({ name_claims: 2, invites: 2 });

    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const clock = new ManualClock(start + 1000);
    const after = open(clock);
    const sweep = vi.spyOn(after.access, "sweep");
    vi.advanceTimersByTime(1000);
    expect(sweep).toHaveBeenCalledTimes(1);
    await after.access.claimName("soon", "id-3", start + 2000, start + 1000, false);
    clock.advance(HOUR - 1);
    vi.advanceTimersByTime(1000);
    expect(sweep).toHaveBeenCalledTimes(1);
    clock.advance(1);
    vi.advanceTimersByTime(1000);
    expect(sweep).toHaveBeenCalledTimes(2);
    await after.close();
    expect(rowCounts()).toEqual({ name_claims: 1, invites: 1 });
  });

  it("sweeps again at the next tick while a sweep found a full batch", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const clock = new ManualClock(0);
    const broker = open(clock);
    for (let i = 0; i < 1500; i++) await broker.access.claimName(`name-${i}`, `id-${i}`, 100, 0, false);
    clock.advance(100);
    const sweep = vi.spyOn(broker.access, "sweep");
    vi.advanceTimersByTime(1000);
    vi.advanceTimersByTime(1000);
    vi.advanceTimersByTime(1000);
    expect(sweep.mock.results.map((result) => result.value)).toEqual([true, false]);
    await broker.close();
    expect(rowCounts().name_claims).toBe(0);
  });

  it("deletes a lapsed claim when another claim meets it", async () => {
    const broker = open();
    await broker.access.claimName("erin", "id-1", 100, 0, false);
    expect(await broker.access.claimName("erin", "conn-2", null, 200, false)).toBe(true);
    await broker.close();
    expect(rowCounts().name_claims).toBe(0);
  });
});
