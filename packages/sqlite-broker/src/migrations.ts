/**
 * The database's schema, one step per version: `PRAGMA user_version` says how many steps a file
 * has had, and opening it runs the rest, each in a transaction, so a file written by an earlier
 * version is brought forward and never needs a manual step. Steps are only ever appended.
 */
import type { Database } from "better-sqlite3";

/** One step: what turns a database of the previous version into this one. */
export interface Migration {
  /** What the step adds, for the startup log. */
  readonly adds: string;
  /** Runs inside the step's transaction. */
  readonly up: (db: Database) => void;
}

/** Every step so far; a database at version N has had the first N. */
export const MIGRATIONS: readonly Migration[] = [
  {
    adds: "messages and rooms",
    up: (db) =>
      db.exec(`
        -- The epoch names this database: message ids are '<epoch>-<seq>', so an id from another
        -- database is never taken for a position in this one.
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
        -- seq is the rowid: one counter for every room, growing, never reused. Not AUTOINCREMENT,
        -- whose counter table costs every commit a page: the newest seq ever deleted is kept in
        -- meta (deleted_through) instead, so ids stay unique after the newest messages go.
        CREATE TABLE messages (
          seq INTEGER PRIMARY KEY,
          room TEXT NOT NULL,
          kind TEXT NOT NULL,
          username TEXT NOT NULL,
          text TEXT NOT NULL,
          sent_at INTEGER NOT NULL,
          -- JSON [author, client message id] of a send that gave one, for deduplicating retries.
          client_key TEXT
        ) STRICT;
        -- The only index a send updates: every other lookup goes by seq, or is kept in memory.
        CREATE INDEX messages_by_room ON messages (room, seq);
        -- floor: the seq just before the room's first retained message, as retention moves it, so
        -- a reader resuming from before it is told of the gap.
        CREATE TABLE rooms (name TEXT PRIMARY KEY, floor INTEGER NOT NULL) STRICT, WITHOUT ROWID;
      `),
  },
  {
    adds: "the search index",
    up: (db) => {
      // Contentless (the text lives in messages) but deletable, so retention removes a message's
      // words with it. The room is a column of one token (its id in hex), so a search reads the
      // index of that room's words rather than every room's. Filled behind the log, in batches
      // (indexed_through: the newest seq it holds), since one message at a time would cost a send
      // more than everything else it does.
      db.exec(`
        CREATE VIRTUAL TABLE messages_search USING fts5(
          words, room_token,
          content = '', contentless_delete = 1,
          tokenize = 'unicode61 remove_diacritics 2'
        );
        INSERT INTO messages_search (rowid, words, room_token) SELECT seq, text, 'r' || hex(room) FROM messages WHERE kind = 'user';
        INSERT INTO meta (key, value) SELECT 'indexed_through', coalesce(max(seq), 0) FROM messages;
      `);
    },
  },
  {
    adds: "name claims and private rooms",
    up: (db) =>
      db.exec(`
        -- Claims that lapse unless renewed (until, ms). A hold until released (a connection without
        -- an identity) is never written: it ends with the process, as its connection does. No index
        -- on until, which every claim would update: lapsed rows go when a claim meets them, and
        -- in an hourly sweep that may as well read the table.
        CREATE TABLE name_claims (key TEXT PRIMARY KEY, holder TEXT NOT NULL, until INTEGER NOT NULL) STRICT, WITHOUT ROWID;
        -- A room listed here is private: only its members read it, and it is never made public again.
        CREATE TABLE private_rooms (room TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;
        CREATE TABLE room_members (room TEXT NOT NULL, identity TEXT NOT NULL, PRIMARY KEY (room, identity)) STRICT, WITHOUT ROWID;
        -- An identity's private rooms, for the room list.
        CREATE INDEX room_members_by_identity ON room_members (identity, room);
        -- Invites by hash, never the invite itself. id is the order they were added, for dropping a
        -- room's oldest past INVITES_PER_ROOM_MAX: an alias of the rowid, which VACUUM keeps (it may
        -- renumber a hidden rowid).
        CREATE TABLE invites (
          id INTEGER PRIMARY KEY,
          room TEXT NOT NULL,
          hash TEXT NOT NULL,
          expires_at INTEGER NOT NULL,
          UNIQUE (room, hash)
        ) STRICT;
      `),
  },
  {
    adds: "edits, deletions, reactions, replies and mentions",
    up: (db) =>
      db.exec(`
        -- A message's state beyond its text, every column NULL for a plain message (most of them),
        -- so a send writes nothing more than before: author is the identity that sent it (never
        -- delivered; NULL for system lines, and for messages stored before this step, which then
        -- nobody can edit), deleted is 1 once deleted, mentions and reactions are JSON arrays.
        ALTER TABLE messages ADD COLUMN author TEXT;
        ALTER TABLE messages ADD COLUMN edited_at INTEGER;
        ALTER TABLE messages ADD COLUMN deleted INTEGER;
        ALTER TABLE messages ADD COLUMN reply_to TEXT;
        ALTER TABLE messages ADD COLUMN reply_username TEXT;
        ALTER TABLE messages ADD COLUMN reply_text TEXT;
        ALTER TABLE messages ADD COLUMN mentions TEXT;
        ALTER TABLE messages ADD COLUMN reactions TEXT;
        -- A change is a row of the log like a message, so its seq orders it among them and readers
        -- resume past it: target is the changed message's seq, target_sent_at when that message was
        -- sent; kind, username and the state columns are the message's after the change, and
        -- sent_at is when the change was made (so sent_at still grows with seq).
        ALTER TABLE messages ADD COLUMN target INTEGER;
        ALTER TABLE messages ADD COLUMN target_sent_at INTEGER;
        -- Partial, so a plain send updates neither: what a deletion scrubs besides the message,
        -- its earlier changes and the replies quoting it.
        CREATE INDEX messages_by_target ON messages (target) WHERE target IS NOT NULL;
        CREATE INDEX messages_by_quote ON messages (reply_to) WHERE reply_to IS NOT NULL;
        -- The index again, now without contentless_delete: its deletions only leave tombstones, and
        -- a deleted message's words stayed in the index's pages until a merge. A contentless table
        -- takes a 'delete' with the words it indexed, which 'secure-delete' removes from the pages
        -- at once. It holds the same rows as before: every user message through indexed_through.
        DROP TABLE messages_search;
        CREATE VIRTUAL TABLE messages_search USING fts5(
          words, room_token,
          content = '',
          tokenize = 'unicode61 remove_diacritics 2'
        );
        INSERT INTO messages_search (messages_search, rank) VALUES ('secure-delete', 1);
        INSERT INTO messages_search (rowid, words, room_token)
          SELECT seq, text, 'r' || hex(room) FROM messages
          WHERE kind = 'user' AND seq <= (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'indexed_through');
      `),
  },
];

/** The version a database has once every step ran. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings `db` to `SCHEMA_VERSION` (or to `target`, for tests that write an earlier version), and
 * returns the steps that ran. A database newer than this code is refused: its schema is unknown.
 */
export function migrate(db: Database, target = SCHEMA_VERSION): Migration[] {
  const version = Number(db.pragma("user_version", { simple: true }));
  if (version > SCHEMA_VERSION) {
    throw new Error(`The database is at schema version ${version}, newer than this server's ${SCHEMA_VERSION}; run a newer server.`);
  }
  const steps = MIGRATIONS.slice(version, target);
  for (const [index, step] of steps.entries()) {
    db.transaction(() => {
      step.up(db);
      db.pragma(`user_version = ${version + index + 1}`);
    })();
  }
  return steps;
}
