/**
 * Edits, deletions, reactions, replies and mentions as the SQLite broker stores them: they outlive
 * a restart, a change is a position of the log readers resume past, a deletion leaves no trace of
 * the text in any table, the search index or the file, and a database of the schema before them
 * is brought forward.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ChangeRequest, ManualClock, type MessageDraft, quoteOf } from "@chat/api";
import type { ChatEvent } from "@chat/api/schema";
import { draft, read, readUntilText, textsOf } from "@chat/api/testing";
import { DATABASE_FILE } from "./message-store.js";
import { SCHEMA_VERSION, migrate } from "./migrations.js";
import { SqliteBroker } from "./sqlite-broker.js";

/** A person's message, sent by the identity `authorId`. */
const by = (authorId: string, username: string, text: string, more: Partial<MessageDraft> = {}): MessageDraft => ({ ...draft(username, text), authorId, ...more });
const edit = (actorId: string, text: string, mentions: string[] = []): ChangeRequest => ({ actorId, change: { type: "edit", text, mentions } });
const remove = (actorId: string): ChangeRequest => ({ actorId, change: { type: "delete" } });
const react = (actorId: string, username: string, emoji: string, on = true): ChangeRequest => ({ actorId, change: { type: "react", emoji, username, on } });
/** What a rejected call rejected with. */
const refusal = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => null, (error: unknown) => error);
const seqOf = (id: string): number => Number(id.slice(id.lastIndexOf("-") + 1));

describe("SqliteBroker message changes", { timeout: 20_000 }, () => {
  let dir: string;
  let brokers: SqliteBroker[] = [];
  let controllers: AbortController[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "chat-sqlite-changes-"));
  });
  afterEach(async () => {
    for (const controller of controllers) controller.abort();
    for (const broker of brokers) await broker.close().catch(() => undefined);
    brokers = [];
    controllers = [];
    rmSync(dir, { recursive: true, force: true });
  });

  const open = (clock = new ManualClock(1_000_000), historySize?: number): SqliteBroker => {
    const broker = new SqliteBroker({ dataDir: dir, clock, historySize });
    brokers.push(broker);
    return broker;
  };
  const subscribe = (broker: SqliteBroker, afterId: string | null = null): AsyncIterator<ChatEvent> => {
    const controller = new AbortController();
    controllers.push(controller);
    return broker.messages("r", afterId, controller.signal)[Symbol.asyncIterator]();
  };
  /** The database file opened as a second reader would, after `broker` closed it. */
  const inspect = <T>(look: (db: Database.Database) => T): T => {
    const db = new Database(join(dir, DATABASE_FILE), { readonly: true });
    try {
      return look(db);
    } finally {
      db.close();
    }
  };

  it("keeps edits, deletions, reactions, quotes, mentions and authorship across a restart, and ids keep growing", async () => {
    const clock = new ManualClock(1_000_000);
    const before = open(clock);
    const original = await before.publish("r", by("id-a", "alice", "hello @bob", { mentions: ["bob"] }));
    const doomed = await before.publish("r", by("id-b", "bob", "soon gone"));
    const reply = await before.publish("r", by("id-b", "bob", "hi alice", { replyTo: quoteOf(original) }));
    clock.advance(1000);
    await before.change("r", original.id, edit("id-a", "hello @bob and @carol", ["bob", "carol"]));
    await before.change("r", original.id, react("id-b", "bob", "👍"));
    await before.change("r", doomed.id, remove("id-b"));
    const last = await before.publish("r", draft("carol", "last before"));
    await before.close();

    const after = open(clock);
    const edited = await after.message("r", original.id);
    expect(edited).toEqual({
      ...original,
      text: "hello @bob and @carol",
      editedAt: new Date(1_001_000),
      mentions: ["bob", "carol"],
      reactions: [{ emoji: "👍", usernames: ["bob"] }],
    });
    expect(await after.message("r", doomed.id)).toEqual({ ...doomed, text: "", deleted: true });
    expect(await after.message("r", reply.id)).toEqual({ ...reply, replyTo: { id: original.id, username: "alice", text: "hello @bob" } });
    // The author is still known: she may edit, nobody else may.
    expect(await refusal(after.change("r", original.id, edit("id-b", "not mine")))).toMatchObject({ reason: "NOT_AUTHOR" });
    expect((await after.change("r", original.id, edit("id-a", "again"))).text).toBe("again");
    const next = await after.publish("r", draft("carol", "after"));
    // One seq for the edit after the restart, then this message's.
    expect(seqOf(next.id)).toBe(seqOf(last.id) + 2);
    // The log replays in the order it was written: messages and their changes.
    const replayed = await readUntilText(subscribe(after), "after");
    expect(replayed.map((event) => (event.kind === "update" ? `update ${event.target}` : event.id))).toEqual([
      original.id,
      doomed.id,
      reply.id,
      `update ${original.id}`,
      `update ${original.id}`,
      `update ${doomed.id}`,
      last.id,
      `update ${original.id}`,
      next.id,
    ]);
  });

  it("stores a change as a position of the log: a reader resuming before it gets it, one resuming from it does not", async () => {
    const broker = open();
    const message = await broker.publish("r", by("id-a", "alice", "first"));
    const live = subscribe(broker, message.id);
    await broker.change("r", message.id, edit("id-a", "second"));
    const [update] = await read(live, 1);
    if (update?.kind !== "update") throw new Error("expected an update");
    expect(update).toEqual({ kind: "update", id: expect.any(String), roomId: "r", target: message.id, message: { ...message, text: "second", editedAt: expect.any(Date) }, sentAt: expect.any(Date) });
    expect(seqOf(update.id)).toBeGreaterThan(seqOf(message.id));
    await broker.publish("r", draft("bob", "end"));
    // Replayed, the update is the object live readers got.
    const replayed = await readUntilText(subscribe(broker, message.id), "end");
    expect(replayed[0]).toBe(update);
    expect(textsOf(await readUntilText(subscribe(broker, update.id), "end"))).toEqual(["end"]);
    // History holds messages only, in their current state; paging from a change's id is refused.
    expect(textsOf(await broker.history("r", 10))).toEqual(["second", "end"]);
    expect((await broker.historyPage("r", null, 1)).hasMore).toBe(true);
    expect(await refusal(broker.historyPage("r", update.id, 10))).toMatchObject({ reason: "UNKNOWN_MESSAGE" });
    expect(await broker.message("r", update.id)).toBeUndefined();
    expect(await broker.message("other", message.id)).toBeUndefined();
  });

  it("orders a change after every send given its id before it, even while that send waits for its commit", async () => {
    const broker = open();
    const message = await broker.publish("r", by("id-a", "alice", "react to me"));
    const reader = subscribe(broker, message.id);
    // Both in one turn: the send is still in the group commit when the reaction is stored.
    const sending = broker.publish("r", draft("bob", "pending"));
    const reacting = broker.change("r", message.id, react("id-b", "bob", "🎉"));
    const [sent] = await Promise.all([sending, reacting]);
    const seen = await read(reader, 2);
    expect(seen.map((event) => event.kind)).toEqual(["user", "update"]);
    expect(seen[0]).toEqual(sent);
    expect(seqOf(seen[1]?.id ?? "")).toBeGreaterThan(seqOf(sent.id));
  });

  it("applies changes racing on one message one after the other, and stores nothing for one that changes nothing", async () => {
    const broker = open();
    const message = await broker.publish("r", by("id-a", "alice", "popular"));
    await Promise.all(["ann", "bob", "cid", "dan"].map((name) => broker.change("r", message.id, react(`id-${name}`, name, "❤️"))));
    const state = await broker.message("r", message.id);
    expect(state?.reactions).toEqual([{ emoji: "❤️", usernames: ["ann", "bob", "cid", "dan"] }]);
    const reader = subscribe(broker, message.id);
    expect(await broker.change("r", message.id, react("id-ann", "ann", "❤️"))).toBe(state);
    expect(await broker.change("r", message.id, edit("id-a", "popular"))).toBe(state);
    expect(await broker.change("r", message.id, react("id-eve", "eve", "❤️", false))).toBe(state);
    await broker.publish("r", draft("bob", "end"));
    // The four reactions, then nothing until "end".
    const seen = await readUntilText(reader, "end");
    expect(seen.map((event) => event.kind)).toEqual(["update", "update", "update", "update", "user"]);
    await broker.close();
    expect(inspect((db) => db.prepare("SELECT count(*) FROM messages").pluck().get())).toBe(6);
  });

  it("refuses changes with the reasons message-state gives, storing nothing", async () => {
    const broker = open();
    const message = await broker.publish("r", by("id-a", "alice", "mine"));
    const system = await broker.publish("r", { kind: "system", username: "alice", text: "alice joined" });
    expect(await refusal(broker.change("r", "garbage", edit("id-a", "x")))).toMatchObject({ reason: "MESSAGE_NOT_FOUND" });
    expect(await refusal(broker.change("elsewhere", message.id, edit("id-a", "x")))).toMatchObject({ reason: "MESSAGE_NOT_FOUND" });
    expect(await refusal(broker.change("r", message.id, remove("id-b")))).toMatchObject({ reason: "NOT_AUTHOR" });
    expect(await refusal(broker.change("r", system.id, react("id-a", "alice", "👍")))).toMatchObject({ reason: "NOT_REACTABLE" });
    await broker.change("r", message.id, remove("id-a"));
    expect(await refusal(broker.change("r", message.id, edit("id-a", "back")))).toMatchObject({ reason: "MESSAGE_NOT_FOUND" });
    expect(await refusal(broker.change("r", message.id, react("id-b", "bob", "👍")))).toMatchObject({ reason: "NOT_REACTABLE" });
    expect(broker.health()).toEqual({ ok: true });
    await broker.close();
    // The deletion, and no other change.
    expect(inspect((db) => db.prepare("SELECT count(*) FROM messages WHERE target IS NOT NULL").pluck().get())).toBe(1);
  });

  it("leaves no trace of a deleted message's text in any table, the search index or the file", async () => {
    const secret = "xylophonequokka";
    const clock = new ManualClock(5_000_000);
    const broker = open(clock);
    const long = `${secret} ${"padding ".repeat(400)}`;
    const message = await broker.publish("r", by("id-a", "alice", `the ${secret} sings`));
    const longOne = await broker.publish("r", by("id-a", "alice", long));
    // Indexed, so the index must give the words back.
    expect(textsOf(await broker.search("r", secret, 10))).toEqual([long, `the ${secret} sings`]);
    await broker.change("r", message.id, edit("id-a", `the ${secret} sings louder`));
    await broker.change("r", message.id, react("id-b", "bob", "👍"));
    const reply = await broker.publish("r", by("id-b", "bob", "what a song", { replyTo: quoteOf(message) }));
    await broker.change("r", reply.id, react("id-a", "alice", "🎵"));
    await broker.change("r", message.id, remove("id-a"));
    await broker.change("r", longOne.id, remove("id-a"));
    expect(await broker.search("r", secret, 10)).toEqual([]);
    expect(await broker.search("r", "song", 10)).toEqual([{ ...reply, replyTo: { id: message.id, username: "alice", text: "" }, reactions: [{ emoji: "🎵", usernames: ["alice"] }] }]);
    // A reader replaying now gets every copy emptied: the message, its changes, the reply's quote.
    const replayed = await read(subscribe(broker), 8);
    expect(JSON.stringify(replayed)).not.toContain(secret);
    await broker.close();

    inspect((db) => {
      const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'").pluck().all() as string[];
      expect(tables).toEqual(expect.arrayContaining(["messages", "messages_search_data", "messages_search_idx"]));
      for (const table of tables) {
        const columns = (db.prepare(`SELECT name FROM pragma_table_info('${table}')`).pluck().all() as string[]).map((column) => `"${column}"`);
        const found = db.prepare(`SELECT count(*) FROM "${table}" WHERE instr(CAST(${columns.join(" || ")} AS BLOB), CAST(? AS BLOB)) > 0`).pluck().get(secret);
        expect(found, table).toBe(0);
      }
    });
    // Nor in the pages or log left on disk: freed pages were zeroed, the log emptied.
    for (const file of [DATABASE_FILE, `${DATABASE_FILE}-wal`]) {
      if (existsSync(join(dir, file))) expect(readFileSync(join(dir, file)).includes(secret), file).toBe(false);
    }
  });

  it("empties the write-ahead log behind a deletion while the server runs", async () => {
    const secret = "zanzibarwombat";
    const broker = open();
    const message = await broker.publish("r", by("id-a", "alice", `a ${secret} here`));
    await broker.search("r", secret, 1);
    await broker.change("r", message.id, remove("id-a"));
    const wal = join(dir, `${DATABASE_FILE}-wal`);
    await expect.poll(() => existsSync(wal) && readFileSync(wal).includes(secret), { timeout: 5000 }).toBe(false);
    expect(readFileSync(join(dir, DATABASE_FILE)).includes(secret)).toBe(false);
  });

  it("stores a reply with an empty quote when the quoted message is deleted first, or while the reply waits for its commit", async () => {
    const broker = open();
    const quoted = await broker.publish("r", by("id-a", "alice", "quote me"));
    const quote = quoteOf(quoted);
    const sending = broker.publish("r", by("id-b", "bob", "racing reply", { replyTo: quote }));
    await broker.change("r", quoted.id, remove("id-a"));
    const raced = await sending;
    const late = await broker.publish("r", by("id-b", "bob", "late reply", { replyTo: quote }));
    expect(late.replyTo).toEqual({ ...quote, text: "" });
    expect((await broker.message("r", raced.id))?.replyTo).toEqual({ ...quote, text: "" });
    await broker.close();
    expect(inspect((db) => db.prepare("SELECT count(*) FROM messages WHERE instr(text || coalesce(reply_text, ''), 'quote me') > 0").pluck().get())).toBe(0);
  });

  it("stores nothing beyond the text for a plain message: every new column is NULL", async () => {
    const broker = open();
    await broker.publish("r", draft("alice", "plain"));
    await broker.close();
    const row = inspect((db) => db.prepare("SELECT author, edited_at, deleted, reply_to, reply_username, reply_text, mentions, reactions, target, target_sent_at FROM messages").get());
    expect(Object.values(row as object).every((value) => value === null)).toBe(true);
  });

  it("counts changes among the events a replay is bounded by, and keeps counting them in the history size", async () => {
    const broker = new SqliteBroker({ dataDir: dir, clock: new ManualClock(), replayLimit: 3 });
    brokers.push(broker);
    const message = await broker.publish("r", by("id-a", "alice", "one"));
    for (const emoji of ["👍", "🎉", "❤️", "🔥"]) await broker.change("r", message.id, react("id-b", "bob", emoji));
    const [notice, ...rest] = await read(subscribe(broker, message.id), 4);
    expect(notice?.kind).toBe("gap");
    expect(rest.map((event) => event.kind)).toEqual(["update", "update", "update"]);
    await broker.close();
    const trimmed = open(new ManualClock(), 2);
    await trimmed.change("r", message.id, react("id-c", "carol", "👍"));
    // The newest two rows are changes: the message itself went.
    expect(await trimmed.history("r", 10)).toEqual([]);
    await trimmed.close();
    expect(inspect((db) => db.prepare("SELECT count(*) FROM messages WHERE target IS NOT NULL").pluck().get())).toBe(2);
    expect(inspect((db) => db.prepare("SELECT count(*) FROM messages").pluck().get())).toBe(2);
  });

  it("brings a database of the schema before changes forward: old messages have the empty new state, take reactions, are found, and nobody may edit them", async () => {
    const previous = new Database(join(dir, DATABASE_FILE));
    migrate(previous, SCHEMA_VERSION - 1);
    previous.prepare("INSERT INTO meta (key, value) VALUES ('epoch', 'old')").run();
    previous.prepare("INSERT INTO rooms (name, floor) VALUES ('r', 0)").run();
    const insert = previous.prepare("INSERT INTO messages (seq, room, kind, username, text, sent_at, client_key) VALUES (?, 'r', ?, ?, ?, ?, NULL)");
    insert.run(1, "system", "alice", "alice joined", 1000);
    insert.run(2, "user", "alice", "an old narwhal", 2000);
    // Indexed, as the previous version's index held it, and one deleted by retention before.
    previous.exec("INSERT INTO messages_search (rowid, words, room_token) SELECT seq, text, 'r' || hex(room) FROM messages WHERE kind = 'user'");
    previous.exec("UPDATE meta SET value = '2' WHERE key = 'indexed_through'");
    insert.run(3, "user", "bob", "not indexed yet narwhal", 3000);
    previous.close();

    const broker = open();
    expect(await broker.history("r", 10)).toEqual(
      [1, 2, 3].map((seq) =>
        expect.objectContaining({ id: `old-${seq}`, editedAt: null, deleted: false, replyTo: null, mentions: [], reactions: [] }),
      ),
    );
    expect(textsOf(await broker.search("r", "narwhal", 10))).toEqual(["not indexed yet narwhal", "an old narwhal"]);
    expect((await broker.change("r", "old-2", react("id-b", "bob", "👍"))).reactions).toEqual([{ emoji: "👍", usernames: ["bob"] }]);
    expect(await refusal(broker.change("r", "old-2", edit("id-a", "mine?")))).toMatchObject({ reason: "NOT_AUTHOR" });
    expect(seqOf((await broker.publish("r", draft("carol", "new"))).id)).toBe(5);
  });
});
