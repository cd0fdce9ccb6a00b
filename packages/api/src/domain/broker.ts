import type { AccessStore } from "./access-store.js";
import type { ChatEvent, ChatMessage, HistoryPage, Member, MessageKind, PresenceEvent, ReplyQuote, RoomId, RoomSummary } from "../schema.js";
import type { ChangeRequest } from "./message-state.js";

/** What a publisher supplies; the broker assigns `id`, `roomId` and `sentAt`. */
export interface MessageDraft {
  /** Never `"gap"`: gap notices are made by `messages`, never stored. */
  kind: Exclude<MessageKind, "gap">;
  username: string;
  text: string;
  /** The identity that sent it, the only one that may edit or delete it; none for system lines. Never delivered. */
  authorId?: string;
  /**
   * The message this one answers (`quoteOf`). Stored with empty text when that message is deleted
   * before this one is stored: a quote never outlives the text it quotes.
   */
  replyTo?: ReplyQuote;
  /** The members its text mentions (`mentionsIn`). */
  mentions?: string[];
}


/**
 * Makes `publish` idempotent and lets the caller refuse a new message at the last moment. A broker
 * that wraps another must pass these on: dropping them loses both the deduplication and `admit`.
 */
export interface PublishOptions {
  /**
   * The sender's id for this message. Within `CLIENT_MESSAGE_ID_TTL_MS` of storing it, another
   * publish with the same room, `draft.username` and id returns the stored message (whatever its
   * text) and stores and fans out nothing, even when both are in flight at once. Keyed by author,
   * so nobody can fetch another person's message by guessing ids.
   */
  clientMessageId?: string;
  /**
   * Called once the broker knows the message is new, right before storing it, and never for a
   * replay: where a sender's rate limit is checked, so a retry costs nothing. Throwing refuses the
   * publish with that error: nothing is stored and the id stays free.
   */
  admit?: () => void;
}

/**
 * The one seam between the chat domain and where messages live. The in-memory broker serves a
 * single process; a Redis broker serves several nodes behind the same methods, which is why
 * every method may be asynchronous. The broker contract suite (`broker-contract.ts`) states the
 * guarantees every implementation keeps.
 */
export interface ChatBroker {
  /** Who holds which name and who may read which private room, kept where the messages are. */
  readonly access: AccessStore;

  /**
   * Assigns the message its id and time, stores it, and fans it out to the room's readers; with a
   * `clientMessageId` seen recently, returns the stored message instead (see `PublishOptions`).
   * A Redis broker claims the id atomically (SET NX with the TTL) before storing.
   */
  publish(roomId: RoomId, draft: MessageDraft, options?: PublishOptions): Promise<ChatMessage>;

  /**
   * Applies a change to the message `messageId` of the room (`applyChange` decides what it does and
   * who may make it) and returns the message's new state. When it changes something, the broker
   * stores it and fans out a `MessageUpdate` with an id of its own after every event before it, so
   * every reader sees changes in one order and resumes past them. When it changes nothing,
   * nothing is stored or emitted, and the current state is returned. Rejects with a
   * `MESSAGE_NOT_FOUND` `ChatError` when the room holds no such message, and with the refusal
   * `applyChange` throws. A deletion empties the text everywhere the store keeps it: the message,
   * earlier updates of it, quotes of it in replies, and the search index.
   */
  change(roomId: RoomId, messageId: string, request: ChangeRequest): Promise<ChatMessage>;

  /** The message `messageId` of the room in its current state, or undefined when the room holds none. */
  message(roomId: RoomId, messageId: string): Promise<ChatMessage | undefined>;

  /** The room's last `limit` messages, oldest first, in their current state. */
  history(roomId: RoomId, limit: number): Promise<ChatMessage[]>;

  /**
   * The `limit` messages just before the message `before` (the newest when `null`), oldest first,
   * in their current state (updates are not messages: they are not counted or returned), and whether the room retains older ones: paging with `before` = the first id of the previous
   * page walks back to the first retained message with no gap and no duplicate. Rejects with an
   * `UNKNOWN_MESSAGE` `ChatError` when `before` is not a message the room retains.
   */
  historyPage(roomId: RoomId, before: string | null, limit: number): Promise<HistoryPage>;

  /**
   * Up to `limit` of the room's user messages whose words match every word of `query` (each a
   * prefix of one of the message's words, case and diacritics folded: `searchTerms`), newest
   * first. Never an error for what `query` holds: it is words, never syntax.
   */
  search(roomId: RoomId, query: string, limit: number): Promise<ChatMessage[]>;

  /**
   * Every retained event (message or update) after `afterId`, then every new one as it is
   * published or changed: no gap between
   * the two, no duplicate, in the same order for every reader. Ends when `signal` aborts or the
   * consumer returns. The replay is bounded: at most the newest `REPLAY_LIMIT` messages. When
   * `afterId` is null, undefined or empty, those (a fresh reader missed nothing it asked for).
   * When the room cannot continue exactly from `afterId` — another epoch's, older than the retained
   * history, another room's, garbage — or continuing would replay more than the limit, first one
   * gap notice (`gapNotice()`: kind `"gap"`, never stored), then the newest `REPLAY_LIMIT`. The
   * notice's id is the position just before the first message replayed: resuming from it yields
   * them without another notice. A stream whose start cannot be read in time (a Redis broker whose
   * Redis is away) fails: its reader is told with an `UNAVAILABLE` `ChatError`.
   */
  messages(roomId: RoomId, afterId: string | null | undefined, signal: AbortSignal): AsyncIterable<ChatEvent>;

  /**
   * Records that connection `holderId` is in the room as `username`. Returns true when that
   * made `username` present (no other connection held it), and then emits a `join`.
   */
  addMember(roomId: RoomId, username: string, holderId: string): Promise<boolean>;

  /** Undoes `addMember`. Returns true when `username` is no longer present, and emits a `leave`. */
  removeMember(roomId: RoomId, username: string, holderId: string): Promise<boolean>;

  /** The people present in the room, by name. */
  members(roomId: RoomId): Promise<Member[]>;

  /** A snapshot of the room's members, then a `join` or `leave` per change, with no gap, and every `typing` signal. */
  presence(roomId: RoomId, signal: AbortSignal): AsyncIterable<PresenceEvent>;

  /** Emits a `typing` event to the room's presence streams; stored nowhere, it changes no members or history. */
  typing(roomId: RoomId, username: string): Promise<void>;

  /** Whether the room has a history or people in it: joining one that has neither creates it. */
  hasRoom(roomId: RoomId): Promise<boolean>;

  /** Rooms that have people in them, with how many, busiest first. */
  listRooms(): Promise<RoomSummary[]>;

  /** Counts for health checks. */
  stats(): BrokerStats;

  /** Whether the broker can serve right now; a Redis broker is not while Redis is unreachable. */
  health(): BrokerHealth;

  /** Ends every open stream and releases resources. */
  close(): Promise<void>;
}

/** A broker's size, for `/healthz` and tests. */
export interface BrokerStats {
  /** Rooms held in memory. */
  rooms: number;
  /** Open `messages()` and `presence()` streams. */
  streams: number;
  /** Bytes of history held in this process's memory (`messageBytes`); 0 where history lives elsewhere. */
  historyBytes: number;
  /** Messages replayed to starting streams since the broker began, and their `messageBytes`. */
  replayedMessages: number;
  replayedBytes: number;
}

/** Whether a broker can serve, and if not, why, in words for an operator (`/healthz` shows it). */
export type BrokerHealth = { ok: true } | { ok: false; reason: string };
