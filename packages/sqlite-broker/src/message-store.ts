/**
 * The chat's messages in one SQLite file: what is written and read back, never the live path.
 * Every call is synchronous (better-sqlite3), which is what lets the broker read a stream's
 * replay and start following the room in one turn of the event loop, with nothing in between.
 */
import { mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { applyChange, type ChangeRequest, type MessageDraft, messageNotFound, newMessage } from "@chat/api";
import type { ChatEvent, ChatMessage, MessageUpdate, RoomId } from "@chat/api/schema";
import Database, { type Database as Connection, type Statement } from "better-sqlite3";
import { MessageCache } from "./message-cache.js";
import { migrate } from "./migrations.js";

/** Bytes of recent messages kept in memory for every reader to share (`MessageCache`). */
const CACHE_BYTES = 32 * 1024 * 1024;

/** Rooms remembered as stored (`MessageStore.knownRooms`): about 100 bytes each. */
const KNOWN_ROOMS_MAX = 10_000;

/** The file the database lives in, inside `DATA_DIR`. */
export const DATABASE_FILE = "chat.db";

/** A message or a change as a row of `messages` (the columns `COLUMNS` names); see the migration for each column. */
interface MessageRow {
  seq: number;
  room: string;
  kind: MessageDraft["kind"];
  username: string;
  text: string;
  sent_at: number;
  target: number | null;
  target_sent_at: number | null;
  edited_at: number | null;
  deleted: number | null;
  reply_to: string | null;
  reply_username: string | null;
  reply_text: string | null;
  mentions: string | null;
  reactions: string | null;
}

/** The columns a `MessageRow` is read from. */
const COLUMNS = "seq, room, kind, username, text, sent_at, target, target_sent_at, edited_at, deleted, reply_to, reply_username, reply_text, mentions, reactions";

/** A message the broker has given an id and is about to commit. */
export interface NewMessage {
  seq: number;
  message: ChatMessage;
  /** For deduplicating a retry of the same send; `null` when the sender gave no id. */
  clientKey: string | null;
  /** The identity that sent it (`MessageDraft.authorId`), the only one that may edit or delete it; `null` for none. */
  authorId: string | null;
}

/** What `MessageStore.change` did. */
export interface ChangeOutcome {
  /** The message after the change; its current state when the change changed nothing. */
  message: ChatMessage;
  /** The change as stored and as readers get it; `null` when nothing changed (nothing was stored). */
  update: MessageUpdate | null;
}

/** How to open a store. */
export interface MessageStoreOptions {
  /** The new database's epoch, when the file is new: the broker's start time, in base 36. */
  epoch: string;
  /** Messages kept per room, the oldest deleted past it; all when absent. */
  historySize?: number;
}

/**
 * The one token `room_token` holds for a room, as the index is fed it (`'r' || hex(room)`, whose
 * case the tokenizer folds): letters and digits only, so the tokenizer keeps it whole.
 */
function roomToken(roomId: RoomId): string {
  return `r${Buffer.from(roomId, "utf8").toString("hex")}`;
}

/** A search for `terms` (folded words, letters and digits only) in one room, as FTS5 syntax that nothing of the user's can change. */
function searchExpression(roomId: RoomId, terms: readonly string[]): string {
  return `room_token : "${roomToken(roomId)}" AND words : (${terms.map((term) => `"${term}"*`).join(" AND ")})`;
}

/** JSON of a non-empty list, NULL for an empty one: most messages have neither mentions nor reactions, and store nothing for them. */
function listColumn(list: readonly unknown[]): string | null {
  return list.length === 0 ? null : JSON.stringify(list);
}

/**
 * The columns `edited_at, deleted, reply_to, reply_username, reply_text, mentions, reactions` of
 * `message`'s state, in that order: NULL wherever the state is empty.
 */
function stateColumns(message: ChatMessage): (string | number | null)[] {
  const quote = message.replyTo;
  return [
    message.editedAt?.getTime() ?? null,
    message.deleted ? 1 : null,
    quote?.id ?? null,
    quote?.username ?? null,
    quote?.text ?? null,
    listColumn(message.mentions),
    listColumn(message.reactions),
  ];
}

/**
 * The message `row` holds: its own (`seq` is `row.seq`, sent at `row.sent_at`), or for a change's
 * row, the changed message's state after it (`row.target`, sent at `row.target_sent_at`).
 */
function messageOf(epoch: string, row: MessageRow, seq: number, sentAt: number): ChatMessage {
  const message = newMessage({
    id: `${epoch}-${seq}`,
    roomId: row.room,
    kind: row.kind,
    username: row.username,
    text: row.text,
    sentAt: new Date(sentAt),
    // The three quote columns are written together: a quote's name and text are never NULL.
    replyTo: row.reply_to === null ? null : { id: row.reply_to, username: row.reply_username ?? "", text: row.reply_text ?? "" },
    mentions: row.mentions === null ? undefined : (JSON.parse(row.mentions) as string[]),
  });
  // A message never changed keeps the empty state `newMessage` shares between all of them.
  if (row.edited_at === null && row.deleted === null && row.reactions === null) return message;
  return {
    ...message,
    editedAt: row.edited_at === null ? null : new Date(row.edited_at),
    deleted: row.deleted !== null,
    reactions: row.reactions === null ? message.reactions : (JSON.parse(row.reactions) as ChatMessage["reactions"]),
  };
}

/** The messages of one SQLite database, with its prepared statements. */
export class MessageStore {
  /** Names this database in every message id. */
  readonly epoch: string;
  private lastSeq: number;
  /** The newest seq committed, and the newest the search index holds (`indexed_through`). */
  private committedSeq: number;
  private indexedSeq: number;
  private readonly statements: ReturnType<typeof prepare>;
  private readonly cache = new MessageCache(CACHE_BYTES);
  /** Rooms known to have their row in `rooms` (never deleted), so a send to one skips the insert. */
  private readonly knownRooms = new Set<RoomId>();
  /** Whether a deletion was committed since the write-ahead log was last emptied (`purgeLog`). */
  private unpurged = false;

  private constructor(
    /** The open database, shared with `SqliteAccessStore` (one process holds the file); `close()` closes it. */
    readonly db: Connection,
    private readonly historySize: number | undefined,
    fallbackEpoch: string,
  ) {
    this.statements = prepare(db);
    const stored = this.statements.epoch.get() as { value: string } | undefined;
    this.epoch = stored?.value ?? fallbackEpoch;
    if (stored === undefined) this.statements.setEpoch.run(this.epoch);
    // The highest seq ever given, deleted messages included, so no id is ever given twice.
    this.lastSeq = Number((this.statements.lastSeq.get() as { seq: number | bigint }).seq);
    this.committedSeq = this.lastSeq;
    this.indexedSeq = Number((this.statements.indexedThrough.get() as { value: string }).value);
  }

  /**
   * Opens (creating it and `dir` if need be) the database in `dir`, brought to the current schema.
   * Throws an `Error` naming `dir` when it cannot be used.
   */
  static open(dir: string, options: MessageStoreOptions): MessageStore {
    let db: Connection;
    try {
      ensureDirectory(dir);
      // A second to wait for the lock: enough for a predecessor that is just exiting.
      db = new Database(join(dir, DATABASE_FILE), { timeout: 1000 });
      // One process owns the file: ids come from its own counter, so a second server on the same
      // DATA_DIR would give the same ones; the lock, taken at the first read below, refuses it.
      // It also spares every transaction its file locks and the shared-memory WAL index (about a
      // third of a one-message commit's CPU). Set before WAL, so that index is never created.
      db.pragma("locking_mode = EXCLUSIVE");
      // For a new file only (an existing one keeps its own): a commit writes the table's and the
      // index's last pages whole into the WAL, and 2 KiB pages make that cheaper than 4 KiB ones
      // (a message over about 1,900 bytes takes an overflow page: rare, and still correct).
      db.pragma("page_size = 2048");
      // WAL: one write per commit. NORMAL: a commit is in the OS once the transaction returns, so
      // a killed process loses nothing it acknowledged (a power cut may lose the last moments:
      // docs/protocol.md).
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      // A deleted message's text must leave the file, not only the rows: freed cells and pages
      // (a long message's overflow pages too) are overwritten with zeros. Not FAST, which leaves
      // freed pages as they were. Plain sends free nothing, so they pay nothing for it.
      db.pragma("secure_delete = ON");
      migrate(db);
    } catch (error) {
      const busy = (error as { code?: unknown }).code === "SQLITE_BUSY";
      const reason = busy ? "another process holds it (is a chat server already running on it?)" : error instanceof Error ? error.message : String(error);
      throw new Error(`DATA_DIR ${dir} cannot hold the chat's database: ${reason}`, { cause: error });
    }
    return new MessageStore(db, options.historySize, options.epoch);
  }

  /** The seq of the next message: given before its commit, so the broker can answer retries meanwhile. */
  nextSeq(): number {
    return ++this.lastSeq;
  }

  /** The highest seq given so far: a position after everything stored. */
  get newestSeq(): number {
    return this.lastSeq;
  }

  /** Commits `batch` in one transaction: its messages and their rooms; then trims rooms past the history size. */
  commit(batch: readonly NewMessage[]): void {
    const { insert, insertRoom } = this.statements;
    this.db.transaction(() => {
      const rooms = new Set<RoomId>();
      for (const { seq, message, clientKey, authorId } of batch) {
        if (!this.knownRooms.has(message.roomId)) insertRoom.run(message.roomId, seq - 1);
        const quote = message.replyTo;
        insert.run(
          seq,
          message.roomId,
          message.kind,
          message.username,
          message.text,
          message.sentAt.getTime(),
          clientKey,
          authorId,
          quote?.id ?? null,
          quote?.username ?? null,
          quote?.text ?? null,
          listColumn(message.mentions),
        );
        rooms.add(message.roomId);
      }
      if (this.historySize !== undefined) for (const roomId of rooms) this.trim(roomId, this.historySize);
    })();
    // Remembered after the commit, which may have failed; forgotten all at once past a bound.
    if (this.knownRooms.size > KNOWN_ROOMS_MAX) this.knownRooms.clear();
    for (const { seq, message } of batch) {
      this.cache.add(seq, message);
      this.knownRooms.add(message.roomId);
    }
    // Seqs are given in order, so the batch's last is its newest (no spread: a batch may be long).
    this.committedSeq = Math.max(this.committedSeq, batch.at(-1)?.seq ?? 0);
  }

  /**
   * Applies `request` to the room's message `seq` (`messageId` as the caller gave it), deciding with
   * `applyChange` and writing in one transaction, so two changes of one message apply one after
   * the other. A change that changes something is stored as a row of the log with the next seq
   * and the message's row takes its new state; a deletion also empties every copy of the text:
   * the message's earlier changes, quotes of it in replies and their changes, and its words in the
   * search index. Throws `messageNotFound` and what `applyChange` throws, storing nothing.
   */
  change(roomId: RoomId, seq: number, messageId: string, request: ChangeRequest, at: number): ChangeOutcome {
    const { changing, unindexOne, indexOne, setState, setChangesState, blankQuotes, insertChange } = this.statements;
    let changeSeq = 0;
    const scrubbed: number[] = [];
    const outcome = this.db.transaction((): ChangeOutcome => {
      const row = changing.get(seq, roomId) as (MessageRow & { author: string | null }) | undefined;
      if (row === undefined) throw messageNotFound(roomId, messageId);
      const current = this.toMessage(row);
      const changed = applyChange(current, row.author ?? undefined, request, new Date(at));
      if (changed === null) return { message: current, update: null };
      // The index holds the words of the text it was given: they go before the text changes.
      const reindex = seq <= this.indexedSeq && changed.text !== current.text;
      if (reindex) unindexOne.run(seq);
      setState.run(changed.text, ...stateColumns(changed), seq);
      // Adds nothing for a deleted message.
      if (reindex) indexOne.run(seq);
      if (changed.deleted) {
        for (const { seq: copy } of setChangesState.all(changed.text, ...stateColumns(changed), seq) as { seq: number }[]) scrubbed.push(copy);
        for (const { seq: reply } of blankQuotes.all(changed.id) as { seq: number }[]) scrubbed.push(reply);
      }
      changeSeq = this.nextSeq();
      insertChange.run(changeSeq, roomId, changed.kind, changed.username, changed.text, at, seq, changed.sentAt.getTime(), ...stateColumns(changed));
      if (this.historySize !== undefined) this.trim(roomId, this.historySize);
      const update: MessageUpdate = { kind: "update", id: `${this.epoch}-${changeSeq}`, roomId, target: changed.id, message: changed, sentAt: new Date(at) };
      return { message: changed, update };
    })();
    if (outcome.update === null) return outcome;
    // Cached after the commit, which may have failed, like a batch's messages.
    this.cache.replace(seq, outcome.message);
    for (const copy of scrubbed) this.cache.forget(copy);
    this.cache.replace(changeSeq, outcome.update);
    this.committedSeq = Math.max(this.committedSeq, changeSeq);
    if (outcome.message.deleted) this.unpurged = true;
    return outcome;
  }

  /**
   * Empties the write-ahead log into the database when a deletion was committed since it was last
   * emptied: its earlier frames still hold the pages as they were before, text and all, and
   * `secure_delete` only clears the database's own pages. Runs behind the deletions (a checkpoint
   * writes the whole log back), not in them.
   */
  purgeLog(): void {
    if (!this.unpurged) return;
    const [result] = this.db.pragma("wal_checkpoint(TRUNCATE)") as { busy: number }[];
    // Busy only if another connection reads the file, which the exclusive lock rules out: tried again then.
    this.unpurged = result?.busy !== 0;
  }

  /** Bytes of the messages held in memory for readers to share. */
  get cachedBytes(): number {
    return this.cache.bytes;
  }

  /** Adds the words of every message committed since the last call to the search index, in one transaction. */
  indexPending(): void {
    if (this.indexedSeq >= this.committedSeq) return;
    const through = this.committedSeq;
    this.db.transaction(() => {
      this.statements.indexAfter.run(this.indexedSeq);
      this.statements.setIndexedThrough.run(String(through));
    })();
    this.indexedSeq = through;
  }

  /** The message stored under `seq` in the room in its current state, if it is still there (and a message, not a change). */
  message(roomId: RoomId, seq: number): ChatMessage | undefined {
    const row = this.statements.bySeq.get(seq, roomId) as MessageRow | undefined;
    return row === undefined ? undefined : this.toMessage(row);
  }

  /** The client message ids of the messages sent after `since` (ms), oldest first, to remember them again after a restart. */
  recentClientKeys(since: number): { roomId: RoomId; clientKey: string; seq: number; sentAt: number }[] {
    const found: { roomId: RoomId; clientKey: string; seq: number; sentAt: number }[] = [];
    for (const row of this.statements.newestKeys.iterate() as IterableIterator<{ seq: number; room: string; sent_at: number; client_key: string | null }>) {
      // Seqs follow the clock (one process gives them): the first older one ends the recent ones.
      if (row.sent_at <= since) break;
      if (row.client_key !== null) found.push({ roomId: row.room, clientKey: row.client_key, seq: row.seq, sentAt: row.sent_at });
    }
    return found.reverse();
  }

  /** The room's newest `limit` messages, oldest first, in their current state (changes are not messages). */
  newest(roomId: RoomId, limit: number): ChatMessage[] {
    return this.before(roomId, Number.MAX_SAFE_INTEGER, limit).reverse();
  }

  /** The room's newest `limit` events (messages and changes), oldest first: a fresh reader's replay. */
  newestEvents(roomId: RoomId, limit: number): ChatEvent[] {
    return this.events(this.statements.eventsBefore, roomId, Number.MAX_SAFE_INTEGER, limit).reverse();
  }

  /** Up to `limit` of the room's messages before `seq`, newest first, in their current state. */
  before(roomId: RoomId, seq: number, limit: number): ChatMessage[] {
    return this.messages(this.statements.before, roomId, seq, limit);
  }

  /** Up to `limit` of the room's events (messages and changes) after `seq`, oldest first. */
  after(roomId: RoomId, seq: number, limit: number): ChatEvent[] {
    return this.events(this.statements.after, roomId, seq, limit);
  }

  /** Whether the room holds event `seq`, a message or a change: a position a reader resumes from. */
  holds(roomId: RoomId, seq: number): boolean {
    return this.statements.holds.get(roomId, seq) !== undefined;
  }

  /** Whether the room holds message `seq` (not a change): a position history pages back from. */
  holdsMessage(roomId: RoomId, seq: number): boolean {
    return this.statements.holdsMessage.get(roomId, seq) !== undefined;
  }

  /** Whether the room holds any event. */
  hasMessages(roomId: RoomId): boolean {
    return this.statements.oldestSeq.get(roomId) !== undefined;
  }

  /**
   * Whether a reader positioned at `seq` has missed nothing the room retains before its oldest
   * message: `seq` is the room's floor or later, and before its oldest message (or it has none).
   */
  isBeforeEverything(roomId: RoomId, seq: number): boolean {
    const room = this.statements.floor.get(roomId) as { floor: number } | undefined;
    if (room === undefined) return true;
    const oldest = this.statements.oldestSeq.get(roomId) as { seq: number } | undefined;
    return seq >= room.floor && (oldest === undefined || seq < oldest.seq);
  }

  /** The position just before the room's newest `count` messages: resuming from it yields exactly those. */
  positionBefore(roomId: RoomId, count: number): number {
    const row = this.statements.nthNewest.get(roomId, count) as { seq: number } | undefined;
    if (row !== undefined) return row.seq;
    const room = this.statements.floor.get(roomId) as { floor: number } | undefined;
    return room?.floor ?? this.lastSeq;
  }

  /** Up to `limit` of the room's user messages holding words that begin with every term, newest first. */
  search(roomId: RoomId, terms: readonly string[], limit: number): ChatMessage[] {
    // The index first catches up with the log, so the newest messages are found too.
    this.indexPending();
    return this.messages(this.statements.search, searchExpression(roomId, terms), limit);
  }

  /**
   * Deletes up to `batch` of the oldest messages sent before `cutoff` (ms), with everything
   * older in their rooms, and moves those rooms' floors; returns how many went. Small batches,
   * so that the event loop is never held for long.
   */
  deleteOlderThan(cutoff: number, batch: number): number {
    // The oldest by seq are the oldest by time (one process gives seqs as its clock runs), so the
    // expired ones are a run at the start: no index by time, which every send would update.
    const through = new Map<string, number>();
    for (const row of this.statements.oldest.all(batch) as { room: string; seq: number; sent_at: number }[]) {
      if (row.sent_at >= cutoff) break;
      through.set(row.room, row.seq);
    }
    let deleted = 0;
    this.db.transaction(() => {
      for (const [room, seq] of through) deleted += this.dropThrough(room, seq);
    })();
    return deleted;
  }

  /** Closes the database; every commit has already returned. */
  close(): void {
    this.db.close();
  }

  /** Keeps the room's newest `size` messages. */
  private trim(roomId: RoomId, size: number): void {
    const row = this.statements.nthNewest.get(roomId, size) as { seq: number } | undefined;
    if (row !== undefined) this.dropThrough(roomId, row.seq);
  }

  /** Deletes the room's messages up to and including `seq`, their words too, and raises its floor to `seq`. */
  private dropThrough(roomId: string, seq: number): number {
    const { unindex, drop, raiseFloor, deletedThrough } = this.statements;
    // Only what the index holds: deleting words it was never given would corrupt it.
    unindex.run(roomId, Math.min(seq, this.indexedSeq));
    raiseFloor.run(seq, roomId);
    deletedThrough.run(String(seq));
    return drop.run(roomId, seq).changes;
  }

  /** The events `statement` selects. */
  private events(statement: Statement, ...params: unknown[]): ChatEvent[] {
    return (statement.all(...params) as MessageRow[]).map((row) => this.toEvent(row));
  }

  /** The messages `statement` selects: it must select only rows without a `target`. */
  private messages(statement: Statement, ...params: unknown[]): ChatMessage[] {
    return (statement.all(...params) as MessageRow[]).map((row) => this.toMessage(row));
  }

  /** The row as an event: the one already cached under its seq, so every reader shares one copy. */
  private toEvent(row: MessageRow): ChatEvent {
    return this.cache.get(row.seq, (): ChatEvent => {
      if (row.target === null) return messageOf(this.epoch, row, row.seq, row.sent_at);
      const { epoch } = this;
      // target_sent_at is written with target: never NULL on a change's row.
      const message = messageOf(epoch, row, row.target, row.target_sent_at ?? row.sent_at);
      return { kind: "update", id: `${epoch}-${row.seq}`, roomId: row.room, target: message.id, message, sentAt: new Date(row.sent_at) };
    });
  }

  /** The row of a message (not a change) as that message. */
  private toMessage(row: MessageRow): ChatMessage {
    const event = this.toEvent(row);
    // Every caller selects `target IS NULL`, whose rows are cached as messages: this would be a bug here.
    if (event.kind === "update") throw new Error(`Row ${row.seq} is a change, not a message.`);
    return event;
  }
}

/**
 * Creates `dir` and its missing parents, or checks that it is a directory. Not `mkdirSync`'s
 * `recursive`, which loops forever where the parent exists yet refuses children (under `/proc`).
 */
function ensureDirectory(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") {
      if (!statSync(dir).isDirectory()) throw new Error("it is a file, not a directory", { cause: error });
      return;
    }
    const parent = dirname(dir);
    if (code !== "ENOENT" || parent === dir) throw error;
    ensureDirectory(parent);
    mkdirSync(dir);
  }
}

/** Every statement the store runs, prepared once. */
function prepare(db: Connection) {
  const columns = COLUMNS;
  const state = "edited_at = ?, deleted = ?, reply_to = ?, reply_username = ?, reply_text = ?, mentions = ?, reactions = ?";
  // The words of one message as the index was given them: a user message's, never a change's or a deleted one's.
  const indexed = "kind = 'user' AND target IS NULL AND deleted IS NULL";
  return {
    epoch: db.prepare("SELECT value FROM meta WHERE key = 'epoch'"),
    setEpoch: db.prepare("INSERT INTO meta (key, value) VALUES ('epoch', ?)"),
    lastSeq: db.prepare(
      "SELECT max(coalesce((SELECT max(seq) FROM messages), 0), coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'deleted_through'), 0)) AS seq",
    ),
    deletedThrough: db.prepare(
      "INSERT INTO meta (key, value) VALUES ('deleted_through', ?) ON CONFLICT (key) DO UPDATE SET value = max(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))",
    ),
    insertRoom: db.prepare("INSERT INTO rooms (name, floor) VALUES (?, ?) ON CONFLICT DO NOTHING"),
    insert: db.prepare(
      "INSERT INTO messages (seq, room, kind, username, text, sent_at, client_key, author, reply_to, reply_username, reply_text, mentions) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    insertChange: db.prepare(
      "INSERT INTO messages (seq, room, kind, username, text, sent_at, target, target_sent_at, edited_at, deleted, reply_to, reply_username, reply_text, mentions, reactions) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    changing: db.prepare(`SELECT ${columns}, author FROM messages WHERE seq = ? AND room = ? AND target IS NULL`),
    setState: db.prepare(`UPDATE messages SET text = ?, ${state} WHERE seq = ?`),
    setChangesState: db.prepare(`UPDATE messages SET text = ?, ${state} WHERE target = ? RETURNING seq`),
    blankQuotes: db.prepare("UPDATE messages SET reply_text = '' WHERE reply_to = ? AND reply_text <> '' RETURNING seq"),
    unindexOne: db.prepare(`INSERT INTO messages_search (messages_search, rowid, words, room_token) SELECT 'delete', seq, text, 'r' || hex(room) FROM messages WHERE seq = ? AND ${indexed}`),
    indexOne: db.prepare(`INSERT INTO messages_search (rowid, words, room_token) SELECT seq, text, 'r' || hex(room) FROM messages WHERE seq = ? AND ${indexed}`),
    indexedThrough: db.prepare("SELECT value FROM meta WHERE key = 'indexed_through'"),
    setIndexedThrough: db.prepare("UPDATE meta SET value = ? WHERE key = 'indexed_through'"),
    indexAfter: db.prepare(`INSERT INTO messages_search (rowid, words, room_token) SELECT seq, text, 'r' || hex(room) FROM messages WHERE seq > ? AND ${indexed}`),
    bySeq: db.prepare(`SELECT ${columns} FROM messages WHERE seq = ? AND room = ? AND target IS NULL`),
    newestKeys: db.prepare("SELECT seq, room, sent_at, client_key FROM messages ORDER BY seq DESC"),
    before: db.prepare(`SELECT ${columns} FROM messages WHERE room = ? AND seq < ? AND target IS NULL ORDER BY seq DESC LIMIT ?`),
    eventsBefore: db.prepare(`SELECT ${columns} FROM messages WHERE room = ? AND seq < ? ORDER BY seq DESC LIMIT ?`),
    after: db.prepare(`SELECT ${columns} FROM messages WHERE room = ? AND seq > ? ORDER BY seq LIMIT ?`),
    holds: db.prepare("SELECT 1 FROM messages WHERE room = ? AND seq = ?"),
    holdsMessage: db.prepare("SELECT 1 FROM messages WHERE room = ? AND seq = ? AND target IS NULL"),
    oldestSeq: db.prepare("SELECT seq FROM messages WHERE room = ? ORDER BY seq LIMIT 1"),
    nthNewest: db.prepare("SELECT seq FROM messages WHERE room = ? ORDER BY seq DESC LIMIT 1 OFFSET ?"),
    floor: db.prepare("SELECT floor FROM rooms WHERE name = ?"),
    search: db.prepare(
      `SELECT ${columns} FROM messages WHERE seq IN (SELECT rowid FROM messages_search WHERE messages_search MATCH ? ORDER BY rowid DESC LIMIT ?) ORDER BY seq DESC`,
    ),
    oldest: db.prepare("SELECT room, seq, sent_at FROM messages ORDER BY seq LIMIT ?"),
    unindex: db.prepare(
      `INSERT INTO messages_search (messages_search, rowid, words, room_token) SELECT 'delete', seq, text, 'r' || hex(room) FROM messages WHERE room = ? AND seq <= ? AND ${indexed}`,
    ),
    drop: db.prepare("DELETE FROM messages WHERE room = ? AND seq <= ?"),
    raiseFloor: db.prepare("UPDATE rooms SET floor = max(floor, ?) WHERE name = ?"),
  };
}
