/**
 * The default broker of a single server: messages are kept in SQLite (`MessageStore`), so they
 * survive restarts, and fanned out live from memory (`LiveRooms`) once committed. Presence,
 * typing and membership live in memory, as they should: they end with the process, and clients
 * join again after a restart. Ids are `<database epoch>-<seq>` and outlive the process, so a
 * reader that resumes after a restart gets exactly what it missed. Names and private rooms (their
 * members and invites) live in the same database (`SqliteAccessStore`) and outlive the process
 * too, all but a name held by a connection without an identity, which ends with its connection.
 * An edit, deletion or reaction is a row of the same log, with its own id after every earlier
 * event (`MessageStore.change`), so a reader resumes past it and every reader sees one order.
 */
import {
  type BrokerHealth,
  type BrokerStats,
  CLIENT_MESSAGE_ID_TTL_MS,
  ClientIdWindow,
  ChatError,
  type ChatBroker,
  type ChangeRequest,
  type Clock,
  eventBytes,
  formatMessageId,
  gapNotice,
  MemoryBroker,
  type MessageDraft,
  messageNotFound,
  newEpoch,
  newMessage,
  parseMessageSeq,
  type PublishOptions,
  REPLAY_LIMIT,
  searchTerms,
  systemClock,
  unknownMessage,
} from "@chat/api";
import type { ChatEvent, ChatMessage, HistoryPage, Member, PresenceEvent, ReplyQuote, RoomId, RoomSummary } from "@chat/api/schema";
import { GroupCommit } from "./group-commit.js";
import { LiveRooms } from "./live-rooms.js";
import { type ChangeOutcome, MessageStore, type NewMessage } from "./message-store.js";
import { Retention } from "./retention.js";
import { SqliteAccessStore } from "./sqlite-access-store.js";

/** Settings of the SQLite broker. */
export interface SqliteBrokerOptions {
  /** The directory of the database file (`DATA_DIR`); created if missing. */
  dataDir: string;
  /** Messages kept per room, the oldest deleted past it. @default every message */
  historySize?: number;
  /** How long a message is kept (`HISTORY_RETENTION_DAYS`); older ones are deleted in the background. @default forever */
  retentionMs?: number;
  /** How often retention looks for messages to delete. @default 60_000 */
  retentionSweepMs?: number;
  /** The most messages a subscription replays before going live. @default REPLAY_LIMIT */
  replayLimit?: number;
  /** @default systemClock */
  clock?: Clock;
}

/** How often the search index catches up with the log (a search also makes it catch up first). */
const INDEX_INTERVAL_MS = 1000;
/**
 * How often lapsed name claims and expired invites are deleted: they only take up room (a claim
 * that meets one deletes it), so hourly is plenty. Checked on the indexing timer.
 */
const ACCESS_SWEEP_MS = 3600_000;
/**
 * Client message ids remembered across all rooms for `CLIENT_MESSAGE_ID_TTL_MS` (each with its
 * message's seq: about 150 bytes); past it the oldest is forgotten early.
 */
const CLIENT_IDS_MAX = 50_000;

/** One key per author and client message id; JSON keeps the pair unambiguous, as the memory broker's does. */
function clientKeyOf(draft: MessageDraft, clientMessageId: string | undefined): string | null {
  return clientMessageId === undefined ? null : JSON.stringify([draft.username, clientMessageId]);
}

/** The `ChatBroker` over an embedded SQLite database. */
export class SqliteBroker implements ChatBroker {
  /** Names and private rooms, in the messages' database. */
  readonly access: SqliteAccessStore;
  private readonly store: MessageStore;
  /** Presence and membership, which the memory broker keeps; it never holds a message here. */
  private readonly people: MemoryBroker;
  private readonly live = new LiveRooms();
  private readonly commits: GroupCommit<NewMessage>;
  private readonly retention: Retention | null;
  /** Sends with a client message id that wait for their commit, so a retry meanwhile gets the same message. */
  private readonly uncommitted = new Map<string, Promise<ChatMessage>>();
  /**
   * Room and client key → seq of the message, for sends committed in the last
   * `CLIENT_MESSAGE_ID_TTL_MS`: kept in memory (and read back from the log at start) rather than
   * in an index that every send would update.
   */
  private readonly clientIds = new ClientIdWindow<number>(CLIENT_MESSAGE_ID_TTL_MS, CLIENT_IDS_MAX);
  /** Indexes new messages every `INDEX_INTERVAL_MS`, and sweeps the access store when due. */
  private readonly upkeep: NodeJS.Timeout;
  /** When the access store is next swept: at the first tick, for what lapsed while the server was down. */
  private accessSweepAt: number;
  private readonly clock: Clock;
  private readonly replayLimit: number;
  private readonly replayed = { messages: 0, bytes: 0 };
  /** Why the last commit failed, until one succeeds. */
  private writeFailure: string | null = null;

  /** Opens the database in `options.dataDir`; throws an `Error` naming the directory when it cannot. */
  constructor(options: SqliteBrokerOptions) {
    this.clock = options.clock ?? systemClock;
    this.replayLimit = options.replayLimit ?? REPLAY_LIMIT;
    this.store = MessageStore.open(options.dataDir, { epoch: newEpoch(this.clock.now()), historySize: options.historySize });
    this.access = new SqliteAccessStore(this.store.db);
    this.accessSweepAt = this.clock.now();
    this.people = new MemoryBroker({ clock: this.clock });
    this.commits = new GroupCommit<NewMessage>(
      (batch) => this.store.commit(batch),
      (batch) => {
        this.writeFailure = null;
        for (const { seq, message, clientKey } of batch) {
          if (clientKey !== null) this.clientIds.set(`${message.roomId}\n${clientKey}`, seq, message.sentAt.getTime());
          this.live.emit(message);
        }
      },
      (error) => {
        this.failed(error);
        return new ChatError("UNAVAILABLE", "The chat could not store this message right now, so it was not sent; please try again in a moment.", 1000);
      },
    );
    for (const { roomId, clientKey, seq, sentAt } of this.store.recentClientKeys(this.clock.now() - CLIENT_MESSAGE_ID_TTL_MS)) {
      this.clientIds.set(`${roomId}\n${clientKey}`, seq, sentAt);
    }
    this.upkeep = setInterval(() => {
      this.background(() => this.store.indexPending());
      this.background(() => this.store.purgeLog());
      this.background(() => this.sweepAccess());
    }, INDEX_INTERVAL_MS);
    this.upkeep.unref();
    this.retention =
      options.retentionMs === undefined
        ? null
        : new Retention(this.store, this.clock, options.retentionMs, options.retentionSweepMs ?? 60_000, (error) => this.failed(error));
  }

  /** The database's epoch: the first part of every message id it gives. */
  get epoch(): string {
    return this.store.epoch;
  }

  async publish(roomId: RoomId, draft: MessageDraft, options: PublishOptions = {}): Promise<ChatMessage> {
    const now = this.clock.now();
    const clientKey = clientKeyOf(draft, options.clientMessageId);
    // Lookup, admission and queueing run without an await in between, so two identical sends
    // in flight at once store one message.
    const key = clientKey === null ? null : `${roomId}\n${clientKey}`;
    const pending = key === null ? undefined : this.uncommitted.get(key);
    if (pending !== undefined) return pending;
    const earlierSeq = key === null ? undefined : this.clientIds.get(key, now);
    const earlier = earlierSeq === undefined ? undefined : this.store.message(roomId, earlierSeq);
    if (earlier !== undefined) return earlier;
    options.admit?.();
    const seq = this.store.nextSeq();
    const message = newMessage({
      id: formatMessageId(this.store.epoch, seq),
      roomId,
      kind: draft.kind,
      username: draft.username,
      text: draft.text,
      sentAt: new Date(now),
      replyTo: draft.replyTo === undefined ? null : this.quote(roomId, draft.replyTo),
      mentions: draft.mentions,
    });
    const stored = this.commits.add({ seq, message, clientKey, authorId: draft.authorId ?? null }).then(() => message);
    if (key !== null) {
      this.uncommitted.set(key, stored);
      const forget = (): void => {
        this.uncommitted.delete(key);
      };
      stored.then(forget, forget);
    }
    return stored;
  }

  async change(roomId: RoomId, messageId: string, request: ChangeRequest): Promise<ChatMessage> {
    const seq = parseMessageSeq(this.store.epoch, messageId);
    if (seq === null) throw messageNotFound(roomId, messageId);
    // Sends given their seq before this change are committed and fanned out first: the change's
    // seq then follows every event a reader got before it, live or replayed, and none after it
    // has a smaller one. Costs only a smaller batch, and only when a change comes in.
    this.commits.flush();
    let outcome: ChangeOutcome;
    try {
      // Synchronous from reading the message to storing its change: two changes at once apply one after the other.
      outcome = this.store.change(roomId, seq, messageId, request, this.clock.now());
    } catch (error) {
      if (error instanceof ChatError) throw error;
      this.failed(error);
      throw new ChatError("UNAVAILABLE", "The chat could not store this change right now; please try again in a moment.", 1000);
    }
    if (outcome.update !== null) {
      this.writeFailure = null;
      this.live.emit(outcome.update);
    }
    return outcome.message;
  }

  async message(roomId: RoomId, messageId: string): Promise<ChatMessage | undefined> {
    const seq = parseMessageSeq(this.store.epoch, messageId);
    return seq === null ? undefined : this.store.message(roomId, seq);
  }

  async history(roomId: RoomId, limit: number): Promise<ChatMessage[]> {
    return this.store.newest(roomId, limit);
  }

  async historyPage(roomId: RoomId, before: string | null, limit: number): Promise<HistoryPage> {
    let end = Number.MAX_SAFE_INTEGER;
    if (before !== null) {
      const seq = parseMessageSeq(this.store.epoch, before);
      if (seq === null || !this.store.holdsMessage(roomId, seq)) throw unknownMessage(roomId, before);
      end = seq;
    }
    // One more than asked for says whether older ones remain.
    const newestFirst = this.store.before(roomId, end, limit + 1);
    return { messages: newestFirst.slice(0, limit).reverse(), hasMore: newestFirst.length > limit };
  }

  async search(roomId: RoomId, query: string, limit: number): Promise<ChatMessage[]> {
    const terms = searchTerms(query);
    return terms.length === 0 ? [] : this.store.search(roomId, terms, limit);
  }

  messages(roomId: RoomId, afterId: string | null | undefined, signal: AbortSignal): AsyncIterable<ChatEvent> {
    // Following first, then reading the replay, in one synchronous step: an event committed
    // before it is in the replay, one committed after it comes live, none in both.
    const queue = this.live.follow(roomId, signal);
    for (const event of this.replay(roomId, afterId)) {
      this.replayed.messages++;
      this.replayed.bytes += eventBytes(event);
      queue.push(event);
    }
    return queue;
  }

  addMember(roomId: RoomId, username: string, holderId: string): Promise<boolean> {
    return this.people.addMember(roomId, username, holderId);
  }

  removeMember(roomId: RoomId, username: string, holderId: string): Promise<boolean> {
    return this.people.removeMember(roomId, username, holderId);
  }

  members(roomId: RoomId): Promise<Member[]> {
    return this.people.members(roomId);
  }

  presence(roomId: RoomId, signal: AbortSignal): AsyncIterable<PresenceEvent> {
    return this.people.presence(roomId, signal);
  }

  typing(roomId: RoomId, username: string): Promise<void> {
    return this.people.typing(roomId, username);
  }

  async hasRoom(roomId: RoomId): Promise<boolean> {
    return this.store.hasMessages(roomId) || (await this.people.hasRoom(roomId));
  }

  listRooms(): Promise<RoomSummary[]> {
    return this.people.listRooms();
  }

  stats(): BrokerStats {
    // A room may have people and readers: counted once.
    const rooms = new Set([...this.people.roomIds(), ...this.live.roomIds()]);
    return {
      rooms: rooms.size,
      streams: this.people.stats().streams + this.live.streamCount,
      historyBytes: this.store.cachedBytes,
      replayedMessages: this.replayed.messages,
      replayedBytes: this.replayed.bytes,
    };
  }

  health(): BrokerHealth {
    return this.writeFailure === null ? { ok: true } : { ok: false, reason: `The message database could not be written: ${this.writeFailure}` };
  }

  /** Commits what waits, ends every stream and closes the database. */
  async close(): Promise<void> {
    clearInterval(this.upkeep);
    this.retention?.stop();
    this.commits.flush();
    this.live.close();
    await this.people.close();
    this.store.close();
  }

  /** Runs background upkeep; a failure shows in `health()` until a write succeeds. */
  private background(work: () => void): void {
    try {
      work();
    } catch (error) {
      this.failed(error);
    }
  }

  /** Sweeps the access store when due, and again at the next tick while a sweep leaves more; a failed one is tried at the next. */
  private sweepAccess(): void {
    const now = this.clock.now();
    if (now < this.accessSweepAt) return;
    this.accessSweepAt = this.access.sweep(now) ? now : now + ACCESS_SWEEP_MS;
  }

  /** Records why the database could not be written, for `health()`. */
  private failed(error: unknown): void {
    this.writeFailure = error instanceof Error ? error.message : String(error);
  }

  /** `quote` as it may be stored now: emptied when the message it quotes was deleted meanwhile. */
  private quote(roomId: RoomId, quote: ReplyQuote): ReplyQuote {
    // Only a reply reads this: a plain send costs no query. A deletion committed later, while
    // this reply waits for its batch, commits the batch first and then blanks the stored quote.
    const seq = parseMessageSeq(this.store.epoch, quote.id);
    return seq !== null && this.store.message(roomId, seq)?.deleted === true ? { ...quote, text: "" } : quote;
  }

  /**
   * What a reader resuming after `afterId` is owed before live events, as `ChatBroker.messages`
   * says: at most `replayLimit` (changes count), after a gap notice when it missed more or cannot be placed.
   */
  private replay(roomId: RoomId, afterId: string | null | undefined): ChatEvent[] {
    if (afterId === null || afterId === undefined || afterId === "") return this.store.newestEvents(roomId, this.replayLimit);
    const seq = parseMessageSeq(this.store.epoch, afterId);
    if (seq !== null && (this.store.holds(roomId, seq) || this.store.isBeforeEverything(roomId, seq))) {
      const missed = this.store.after(roomId, seq, this.replayLimit + 1);
      if (missed.length <= this.replayLimit) return missed;
    }
    const position = formatMessageId(this.store.epoch, this.store.positionBefore(roomId, this.replayLimit));
    return [gapNotice(roomId, position, new Date(this.clock.now())), ...this.store.newestEvents(roomId, this.replayLimit)];
  }
}
