/**
 * The multi-node broker: rooms live in Redis, so every node serves the same history, order and
 * presence. Messages are stored in one stream per room and announced on the room's pub/sub
 * channel by the same script; each node subscribes to the channels of the rooms its clients
 * read and fans out locally (`RoomStreams`, `RoomFeed`). Memberships are held under a lease per
 * node (`NodeLease`), so those of a node that dies without saying goodbye are swept by the others,
 * and the names its connections hold until release (`RedisAccessStore`) lapse with its lease.
 * An edit, deletion or reaction is decided here by `applyChange` and written by a compare-and-set
 * script, retried when another node changed the same message in between.
 * The design, its guarantees and its limits are in docs/scaling.md.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis, type RedisOptions } from "ioredis";
import {
  type AccessStore,
  applyChange,
  type BrokerHealth,
  type BrokerStats,
  type ChangeRequest,
  type ChatBroker,
  ChatError,
  type Clock,
  compareRooms,
  type MessageDraft,
  messageNotFound,
  type PublishOptions,
  systemClock,
} from "@chat/api";
import {
  type ChatEvent,
  type ChatMessage,
  CLIENT_MESSAGE_ID_TTL_MS,
  type HistoryPage,
  type Member,
  type PresenceEvent,
  REPLAY_LIMIT,
  type RoomId,
  type RoomSummary,
} from "@chat/api/schema";
import { CommandHealth } from "./command-health.js";
import { decodeIdAndBody, decodeMessage, encodeBody, encodeState } from "./message-codec.js";
import { NodeLease } from "./node-lease.js";
import { RedisAccessStore } from "./redis-access-store.js";
import type { BrokerLogger, RedisBrokerOptions } from "./redis-broker-options.js";
import { storeUnavailable } from "./redis-errors.js";
import { RedisKeys } from "./redis-keys.js";
import { type ChatScripts, withChatScripts } from "./redis-scripts.js";
import { RoomReads } from "./room-reads.js";
import { RoomStreams } from "./room-streams.js";

/** How long a claim on a client message id holds while its publisher admits and stores it. */
const CLAIM_TTL_MS = 10_000;
/** How often a publisher looks again at another node's claim on the same client message id. */
const CLAIM_POLL_MS = 25;
/** A reply slower than this counts as Redis being unreachable: a send fails rather than hangs. */
const COMMAND_TIMEOUT_MS = 2000;
/**
 * How long a stream start may take to read its starting point before the stream fails with
 * `UNAVAILABLE`: two command timeouts and one reconnect attempt (ioredis backs off to 1 s), so a
 * start that meets one slow reply or one brief reconnect still succeeds, while one whose Redis is
 * gone or frozen is told within seconds instead of retrying forever (which, for a hundred starts
 * of a big room, is what kept a struggling Redis busy in issue 12's attack A″).
 */
const START_DEADLINE_MS = 2 * COMMAND_TIMEOUT_MS + 1000;
/**
 * How many times a change reads the message and tries its compare-and-set before it gives up.
 * Changes of one message on one node take turns, so a change only loses to another node's: with a
 * handful of nodes reacting to one message at the same moment, a few tries are enough.
 */
const CHANGE_ATTEMPTS = 20;
/** The most a change waits, at random, before trying again after losing to another node's, so the losers do not collide again in step. */
const CHANGE_BACKOFF_MS = 10;
/** How long a client is told to wait when a change lost every try to other nodes' changes of the same message. */
const CHANGE_RETRY_MS = 200;
/** How long a room's keys outlive its last activity by default: 30 days, as `ROOM_TTL_DAYS`. */
const DEFAULT_ROOM_TTL_MS = 30 * 24 * 60 * 60 * 1000;

const silentLogger: BrokerLogger = { info: () => {}, warn: () => {}, error: () => {} };

/** The broker that lets several chat nodes share rooms through Redis. */
export class RedisBroker implements ChatBroker {
  /** Names and private rooms, shared with every node; holds until release live under this node's lease. */
  readonly access: AccessStore;
  private readonly keys: RedisKeys;
  private readonly prefix: string;
  private readonly historySize: number;
  private readonly roomTtlMs: number;
  private readonly clock: Clock;
  /** Requests and scripts. No offline queue: while Redis is away, calls fail at once. */
  private readonly commands: Redis & ChatScripts;
  /** Pub/sub only; it queues and resubscribes across reconnects. */
  private readonly subscriber: Redis;
  /** Whether Redis answers its commands, beyond whether its sockets are open. */
  private readonly answers: CommandHealth;
  private readonly lease: NodeLease;
  private readonly reads: RoomReads;
  private readonly streams: RoomStreams;
  /** Publishes in flight by client id key, so two on this node wait for one another instead of polling. */
  private readonly publishing = new Map<string, Promise<ChatMessage>>();
  /** The last change queued per message (room and id), so changes of one message on this node take turns instead of conflicting. */
  private readonly changing = new Map<string, Promise<unknown>>();
  private closed = false;

  constructor(options: RedisBrokerOptions) {
    this.prefix = options.keyPrefix ?? "chat:";
    this.keys = new RedisKeys(this.prefix);
    this.historySize = options.historySize ?? 1000;
    this.roomTtlMs = options.roomTtlMs ?? DEFAULT_ROOM_TTL_MS;
    this.clock = options.clock ?? systemClock;
    const logger = options.logger ?? silentLogger;
    const presenceRefreshMs = options.presenceRefreshMs ?? 5000;
    this.answers = new CommandHealth(presenceRefreshMs, COMMAND_TIMEOUT_MS, options.onCall);
    const common: RedisOptions = {
      // Reconnect forever, backing off to one attempt a second.
      retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
      connectTimeout: 5000,
    };
    this.commands = withChatScripts(
      new Redis(options.url, {
        ...common,
        connectionName: "chat-commands",
        enableOfflineQueue: false,
        commandTimeout: COMMAND_TIMEOUT_MS,
        // A command cut off by a lost connection fails instead of running again after the
        // reconnect: the caller gets a clear error and retries with its client message id,
        // where a silent second run could store a message twice.
        autoResendUnfulfilledCommands: false,
        maxRetriesPerRequest: 0,
      }),
    );
    this.subscriber = new Redis(options.url, { ...common, connectionName: "chat-subscriber", maxRetriesPerRequest: null });
    const call = <T>(run: () => Promise<T>): Promise<T> => this.call(run);
    const leaseSettings = { prefix: this.prefix, presenceTtlMs: options.presenceTtlMs ?? 15_000, presenceRefreshMs, roomTtlMs: this.roomTtlMs };
    this.lease = new NodeLease(this.commands, leaseSettings, call, this.answers, logger, () => this.streams.rooms());
    this.access = new RedisAccessStore(this.commands, this.keys, this.lease, leaseSettings.presenceTtlMs, call);
    const windowSize = Math.min(options.replayLimit ?? REPLAY_LIMIT, this.historySize);
    this.reads = new RoomReads(this.commands, this.keys, this.historySize, windowSize, call);
    this.streams = new RoomStreams({
      commands: this.commands,
      subscriber: this.subscriber,
      keys: this.keys,
      reads: this.reads,
      clock: this.clock,
      logger,
      nodeId: this.lease.nodeId,
      startDeadlineMs: START_DEADLINE_MS,
    });
    this.commands.on("ready", () => void this.lease.tend());
  }

  /** Resolves once Redis is reachable and this node is subscribed and caught up; for startup and tests. */
  ready(): Promise<void> {
    return this.streams.ready();
  }

  async publish(roomId: RoomId, draft: MessageDraft, options: PublishOptions = {}): Promise<ChatMessage> {
    const { clientMessageId } = options;
    if (clientMessageId === undefined) {
      options.admit?.();
      return this.store(roomId, draft, null);
    }
    const key = this.keys.clientId(roomId, draft.username, clientMessageId);
    for (;;) {
      const inFlight = this.publishing.get(key);
      if (inFlight === undefined) break;
      // The same message is being published on this node: it is ours too, unless it fails.
      const settled = await inFlight.then((message) => message, () => null);
      if (settled !== null) return settled;
    }
    const attempt = this.publishOnce(roomId, draft, options, key);
    this.publishing.set(key, attempt);
    try {
      return await attempt;
    } finally {
      if (this.publishing.get(key) === attempt) this.publishing.delete(key);
    }
  }

  /**
   * Reads the message, applies the change in this process (`applyChange`: the rules live there,
   * never in Lua), then writes it with a compare-and-set (`chatChange`) that succeeds only if the
   * message's state is still the one read. Losing to another node's change means reading again and
   * applying to the state it left, so both take effect; see `CHANGE_ATTEMPTS`.
   */
  change(roomId: RoomId, messageId: string, request: ChangeRequest): Promise<ChatMessage> {
    const key = JSON.stringify([roomId, messageId]);
    const previous = this.changing.get(key) ?? Promise.resolve();
    const turn = previous.then(
      () => this.changeNow(roomId, messageId, request),
      () => this.changeNow(roomId, messageId, request),
    );
    this.changing.set(key, turn);
    const forget = (): void => {
      if (this.changing.get(key) === turn) this.changing.delete(key);
    };
    turn.then(forget, forget);
    return turn;
  }

  async message(roomId: RoomId, messageId: string): Promise<ChatMessage | undefined> {
    return (await this.reads.held(roomId, messageId))?.message;
  }

  history(roomId: RoomId, limit: number): Promise<ChatMessage[]> {
    return this.reads.history(roomId, limit);
  }

  historyPage(roomId: RoomId, before: string | null, limit: number): Promise<HistoryPage> {
    return this.reads.historyPage(roomId, before, limit);
  }

  search(roomId: RoomId, query: string, limit: number): Promise<ChatMessage[]> {
    return this.reads.search(roomId, query, limit);
  }

  messages(roomId: RoomId, afterId: string | null | undefined, signal: AbortSignal): AsyncIterable<ChatEvent> {
    return this.streams.messages(roomId, afterId, signal);
  }

  addMember(roomId: RoomId, username: string, holderId: string): Promise<boolean> {
    return this.lease.join(roomId, username, holderId);
  }

  removeMember(roomId: RoomId, username: string, holderId: string): Promise<boolean> {
    return this.lease.leave(roomId, username, holderId);
  }

  async members(roomId: RoomId): Promise<Member[]> {
    const names = await this.call(() => this.commands.hkeys(this.keys.names(roomId)));
    return names.map((username) => ({ username }));
  }

  presence(roomId: RoomId, signal: AbortSignal): AsyncIterable<PresenceEvent> {
    return this.streams.presence(roomId, signal);
  }

  async typing(roomId: RoomId, username: string): Promise<void> {
    // Typing is kept nowhere, so a presence stream opened on this node just before must be
    // subscribed before the signal goes out, or it would miss it.
    await this.streams.subscribedIfRead(roomId);
    await this.call(() => this.commands.publish(this.keys.channel(roomId), `t${username}`));
  }

  async hasRoom(roomId: RoomId): Promise<boolean> {
    const found = await this.call(() => this.commands.exists(this.keys.stream(roomId), this.keys.names(roomId)));
    return found > 0;
  }

  async listRooms(): Promise<RoomSummary[]> {
    const flat = await this.call(() => this.commands.zrangebyscore(this.keys.rooms, 1, "+inf", "WITHSCORES"));
    const summaries: RoomSummary[] = [];
    for (let index = 0; index + 1 < flat.length; index += 2) {
      summaries.push({ roomId: flat[index] as string, members: Number(flat[index + 1]) });
    }
    return summaries.sort(compareRooms);
  }

  stats(): BrokerStats {
    return { ...this.streams.counts(), historyBytes: 0 };
  }

  /** Not ok while either connection is down or catching up, nor while Redis leaves its commands or PINGs unanswered. */
  health(): BrokerHealth {
    if (this.closed) return { ok: false, reason: "The broker is closed." };
    const problem = this.streams.unreachable() ?? this.answers.problem();
    return problem === null ? { ok: true } : { ok: false, reason: problem };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.lease.close();
    this.streams.close();
    // Memberships are left to their lease: clients of a node that is restarting reconnect to
    // another within seconds, and an expiring lease then changes nobody's presence. Names held
    // until release are not: a client reconnecting without an identity is a new holder.
    await this.lease.releaseHolds();
    this.commands.disconnect();
    this.subscriber.disconnect();
  }

  /** Claims the client message id, admits and stores the message, or returns the one stored under it. */
  private async publishOnce(roomId: RoomId, draft: MessageDraft, options: PublishOptions, key: string): Promise<ChatMessage> {
    const token = randomUUID();
    const deadline = Date.now() + CLAIM_TTL_MS;
    for (;;) {
      const [state, stored] = await this.call(() => this.commands.chatClaim(this.prefix, key, this.clock.now(), token, CLAIM_TTL_MS));
      if (state === "done") return this.retried(roomId, decodeIdAndBody(roomId, stored));
      if (state === "claimed") break;
      // Another node is storing this very message: its answer is ours.
      if (Date.now() > deadline) throw storeUnavailable(new Error("another claim on the client message id did not resolve"));
      await sleep(CLAIM_POLL_MS);
    }
    try {
      options.admit?.();
    } catch (refusal) {
      await this.commands.chatRelease(this.prefix, key, token).catch(() => 0);
      throw refusal;
    }
    return this.store(roomId, draft, key);
  }

  /**
   * A retry's answer: the message as it is now, edits and deletion included, like history shows
   * it; as recorded under its client id only once the room no longer retains it.
   */
  private async retried(roomId: RoomId, recorded: ChatMessage): Promise<ChatMessage> {
    return (await this.reads.held(roomId, recorded.id))?.message ?? recorded;
  }

  /**
   * Stores and announces one message; with `clientIdKey`, records it there for retries. A reply
   * goes with a second body whose quote is empty, which the script stores instead when the quoted
   * message is deleted by then: deciding there costs no round trip.
   */
  private async store(roomId: RoomId, draft: MessageDraft, clientIdKey: string | null): Promise<ChatMessage> {
    const sentAt = this.clock.now();
    const body = encodeBody(draft, sentAt);
    const { replyTo } = draft;
    const unquoted = replyTo === undefined ? "" : encodeBody({ ...draft, replyTo: { ...replyTo, text: "" } }, sentAt);
    const expiresAt = clientIdKey === null ? 0 : sentAt + CLIENT_MESSAGE_ID_TTL_MS;
    const [id, quoteEmptied] = await this.call(() =>
      this.commands.chatStore(
        this.prefix,
        roomId,
        this.historySize,
        body,
        clientIdKey ?? "",
        CLIENT_MESSAGE_ID_TTL_MS,
        expiresAt,
        this.roomTtlMs,
        replyTo?.id ?? "",
        unquoted,
        draft.authorId ?? "",
      ),
    );
    return decodeMessage(roomId, id, quoteEmptied === 1 ? unquoted : body);
  }

  /** One change, once the changes of the same message queued on this node before it are done. */
  private async changeNow(roomId: RoomId, messageId: string, request: ChangeRequest): Promise<ChatMessage> {
    for (let attempt = 0; attempt < CHANGE_ATTEMPTS; attempt++) {
      const held = await this.reads.held(roomId, messageId);
      if (held === undefined) throw messageNotFound(roomId, messageId);
      const at = this.clock.now();
      const changed = applyChange(held.message, held.authorId, request, new Date(at));
      if (changed === null) return held.message;
      const [outcome] = await this.call(() =>
        this.commands.chatChange(
          this.prefix,
          roomId,
          this.historySize,
          messageId,
          held.version,
          changed.deleted ? "d" : "c",
          encodeState(changed),
          changed.replyTo?.id ?? "",
          at,
          this.roomTtlMs,
        ),
      );
      if (outcome === "ok") return changed;
      if (outcome === "gone") throw messageNotFound(roomId, messageId);
      // Another node changed the message since it was read: read it again and apply to that.
      await sleep(Math.random() * CHANGE_BACKOFF_MS);
    }
    throw new ChatError("UNAVAILABLE", "Many people are changing that message at once; please try again in a moment.", CHANGE_RETRY_MS);
  }

  /**
   * Runs a Redis call, turning "Redis cannot be reached" into the refusal a client can act on
   * and recording whether Redis answered. Stream starts asked for before it are sent first, so
   * that each is placed before this call.
   */
  private async call<T>(run: () => Promise<T>): Promise<T> {
    this.streams.flushStarts();
    try {
      return await this.answers.watch(run());
    } catch (error) {
      throw storeUnavailable(error);
    }
  }
}
