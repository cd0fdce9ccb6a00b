/**
 * The multi-node broker: rooms live in Redis, so every node serves the same history, order and
 * presence. Messages are stored in one stream per room and announced on the room's pub/sub
 * channel by the same script; each node subscribes to the channels of the rooms its clients
 * read and fans out locally (`RoomFeed`). Memberships are held under a lease per node, so those
 * of a node that dies without saying goodbye are swept by the others. The design, its guarantees
 * and its limits are in docs/scaling.md.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis, type RedisOptions } from "ioredis";
import type { BrokerHealth, BrokerStats, ChatBroker, MessageDraft, PublishOptions } from "../domain/broker.js";
import { type Clock, systemClock } from "../domain/clock.js";
import { EventQueue } from "../domain/event-queue.js";
import { CLIENT_MESSAGE_ID_TTL_MS, type ChatMessage, type Member, type PresenceEvent, type RoomId, type RoomSummary } from "../schema.js";
import { decodeIdAndBody, decodeMessage, encodeBody, formatPosition, parsePosition } from "./message-codec.js";
import type { BrokerLogger, RedisBrokerOptions } from "./redis-broker-options.js";
import { isUnavailable, storeUnavailable } from "./redis-errors.js";
import { RedisKeys } from "./redis-keys.js";
import { type ChatScripts, withChatScripts } from "./redis-scripts.js";
import {
  decodePresenceChange,
  MessageReader,
  type PresenceCatchUp,
  type PresenceChange,
  type PresenceSnapshot,
  PresenceWatcher,
  RoomFeed,
} from "./room-feed.js";
import { headSeq, type SequencedMessage, type StreamWindow } from "./stream-window.js";
import { compareRooms } from "../domain/room-directory.js";

/** How long a claim on a client message id holds while its publisher admits and stores it. */
const CLAIM_TTL_MS = 10_000;
/** How often a publisher looks again at another node's claim on the same client message id. */
const CLAIM_POLL_MS = 25;
/** A reply slower than this counts as Redis being unreachable: a send fails rather than hangs. */
const COMMAND_TIMEOUT_MS = 2000;
/** Dead nodes swept per script call, so one call never blocks Redis for long. */
const SWEEP_BATCH = 10;

const silentLogger: BrokerLogger = { info: () => {}, warn: () => {}, error: () => {} };

/** A membership as Redis holds it: JSON `[room, username, holder]`, which the sweep script decodes. */
type MembershipKey = string;

/** A promise with its resolver, for "the subscriber is back and caught up". */
interface Latch {
  promise: Promise<void>;
  open: () => void;
  isOpen: boolean;
}

function latch(): Latch {
  let open: () => void = () => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  const result: Latch = { promise, open: () => ((result.isOpen = true), open()), isOpen: false };
  return result;
}

/** The broker that lets several chat nodes share rooms through Redis. */
export class RedisBroker implements ChatBroker {
  private readonly keys: RedisKeys;
  private readonly prefix: string;
  private readonly historySize: number;
  private readonly presenceTtlMs: number;
  private readonly clock: Clock;
  private readonly logger: BrokerLogger;
  private readonly onCall: RedisBrokerOptions["onCall"];
  /** Requests and scripts. No offline queue: while Redis is away, calls fail at once. */
  private readonly commands: Redis & ChatScripts;
  /** Pub/sub only; it queues and resubscribes across reconnects. */
  private readonly subscriber: Redis;
  /** Names this node's memberships in Redis; unique per broker, so holders of two nodes never collide. */
  private readonly nodeId = randomUUID();
  private readonly feeds = new Map<RoomId, RoomFeed>();
  /** Channels whose subscription Redis has confirmed (or is confirming), by room. */
  private readonly subscriptions = new Map<RoomId, Promise<unknown>>();
  /** Rooms whose subscription Redis has confirmed since the subscriber last connected. */
  private readonly confirmed = new Set<RoomId>();
  private readonly streams = new Set<{ close(): void }>();
  /** This node's memberships, renewed with its lease and restored if another node swept them. */
  private readonly memberships = new Set<MembershipKey>();
  /** Leaves that failed while Redis was away: the person meant to go, so they are completed later. */
  private readonly pendingLeaves = new Set<MembershipKey>();
  /** Publishes in flight by client id key, so two on this node wait for one another instead of polling. */
  private readonly publishing = new Map<string, Promise<ChatMessage>>();
  /** Counts losses of the subscriber's connection: a read begun in an older one must be done again. */
  private generation = 0;
  private online = latch();
  private lastError: string | null = null;
  private readonly leaseTimer: NodeJS.Timeout;
  private closed = false;

  constructor(options: RedisBrokerOptions) {
    this.prefix = options.keyPrefix ?? "chat:";
    this.keys = new RedisKeys(this.prefix);
    this.historySize = options.historySize ?? 1000;
    this.presenceTtlMs = options.presenceTtlMs ?? 15_000;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.onCall = options.onCall;
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
    this.watchConnections();
    const refreshMs = options.presenceRefreshMs ?? 5000;
    this.leaseTimer = setInterval(() => void this.tendLease(), refreshMs);
    this.leaseTimer.unref();
  }

  /** Resolves once Redis is reachable and this node is subscribed and caught up; for startup and tests. */
  ready(): Promise<void> {
    return this.online.promise;
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

  async history(roomId: RoomId, limit: number): Promise<ChatMessage[]> {
    const count = Math.max(0, Math.min(limit, this.historySize));
    if (count === 0) return [];
    const entries = await this.call(() => this.commands.xrevrange(this.keys.stream(roomId), "+", "-", "COUNT", count));
    return entries.reverse().map(([id, fields]) => decodeMessage(roomId, id, bodyOf(fields)));
  }

  messages(roomId: RoomId, afterId: string | null | undefined, signal: AbortSignal): AsyncIterable<ChatMessage> {
    return this.openStream(signal, this.feed(roomId), (feed) => feed.readers, MessageReader, (feed, reader, wanted) =>
      this.startStream(
        feed,
        wanted,
        () => this.readWindow(roomId),
        (window) => this.readAfter(roomId, window),
        (window, tail) => feed.startReader(reader, window, afterId, tail ?? [], new Date(this.clock.now())),
      ),
    );
  }

  async addMember(roomId: RoomId, username: string, holderId: string): Promise<boolean> {
    const membership = JSON.stringify([roomId, username, holderId]);
    const arrived = await this.call(() => this.commands.chatJoin(this.prefix, roomId, username, this.nodeId, membership));
    this.memberships.add(membership);
    this.pendingLeaves.delete(membership);
    return arrived === 1;
  }

  async removeMember(roomId: RoomId, username: string, holderId: string): Promise<boolean> {
    const membership = JSON.stringify([roomId, username, holderId]);
    if (!this.memberships.has(membership)) return false;
    try {
      const left = await this.call(() => this.commands.chatLeave(this.prefix, roomId, username, this.nodeId, membership));
      this.memberships.delete(membership);
      return left === 1;
    } catch (error) {
      this.pendingLeaves.add(membership);
      throw error;
    }
  }

  async members(roomId: RoomId): Promise<Member[]> {
    const names = await this.call(() => this.commands.hkeys(this.keys.names(roomId)));
    return names.map((username) => ({ username }));
  }

  presence(roomId: RoomId, signal: AbortSignal): AsyncIterable<PresenceEvent> {
    return this.openStream(signal, this.feed(roomId), (feed) => feed.watchers, PresenceWatcher, (feed, watcher, wanted) =>
      this.startStream(
        feed,
        wanted,
        () => this.readSnapshot(roomId),
        (snapshot) => this.readPresenceSince(roomId, snapshot.version),
        (snapshot, tail) => feed.startWatcher(watcher, snapshot, tail ?? []),
      ),
    );
  }

  async typing(roomId: RoomId, username: string): Promise<void> {
    // Typing is kept nowhere, so a presence stream opened on this node just before must be
    // subscribed before the signal goes out, or it would miss it.
    await this.subscriptions.get(roomId)?.catch(() => undefined);
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
    return { rooms: this.feeds.size, streams: this.streams.size, historyBytes: 0, replayedMessages: 0, replayedBytes: 0 };
  }

  health(): BrokerHealth {
    if (this.closed) return { ok: false, reason: "The broker is closed." };
    if (this.commands.status === "ready" && this.subscriber.status === "ready" && this.online.isOpen) return { ok: true };
    return { ok: false, reason: `Redis is unreachable (${this.lastError ?? `connection ${this.commands.status}`}).` };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.leaseTimer);
    for (const stream of this.streams) stream.close();
    this.feeds.clear();
    // Memberships are left to their lease: clients of a node that is restarting reconnect to
    // another within seconds, and an expiring lease then changes nobody's presence.
    this.commands.disconnect();
    this.subscriber.disconnect();
  }

  /** Claims the client message id, admits and stores the message, or returns the one stored under it. */
  private async publishOnce(roomId: RoomId, draft: MessageDraft, options: PublishOptions, key: string): Promise<ChatMessage> {
    const token = randomUUID();
    const deadline = Date.now() + CLAIM_TTL_MS;
    for (;;) {
      const [state, stored] = await this.call(() => this.commands.chatClaim(this.prefix, key, this.clock.now(), token, CLAIM_TTL_MS));
      if (state === "done") return decodeIdAndBody(roomId, stored);
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

  /** Stores and announces one message; with `clientIdKey`, records it there for retries. */
  private async store(roomId: RoomId, draft: MessageDraft, clientIdKey: string | null): Promise<ChatMessage> {
    const sentAt = this.clock.now();
    const body = encodeBody(draft, sentAt);
    const expiresAt = clientIdKey === null ? 0 : sentAt + CLIENT_MESSAGE_ID_TTL_MS;
    const id = await this.call(() =>
      this.commands.chatStore(this.prefix, roomId, this.historySize, body, clientIdKey ?? "", CLIENT_MESSAGE_ID_TTL_MS, expiresAt),
    );
    return decodeMessage(roomId, id, body);
  }

  /**
   * Opens one of the room's streams on this node: a queue registered in `streamsOf(feed)` until
   * its reader or the broker ends it, then handed to `start` (with "is it still open?").
   */
  private openStream<T, S>(
    signal: AbortSignal,
    feed: RoomFeed,
    streamsOf: (feed: RoomFeed) => Set<S>,
    Stream: new (queue: EventQueue<T>) => S,
    start: (feed: RoomFeed, stream: S, wanted: () => boolean) => Promise<void>,
  ): AsyncIterable<T> {
    const members = streamsOf(feed);
    const queue: EventQueue<T> = new EventQueue<T>(() => {
      members.delete(stream);
      this.streams.delete(queue);
      this.release(feed);
    });
    const stream = new Stream(queue);
    members.add(stream);
    this.streams.add(queue);
    queue.closeOn(signal);
    void start(feed, stream, () => members.has(stream));
    return queue;
  }

  /**
   * Starts a stream. Its starting point (`readStart`) is requested at once, so it is placed before
   * any later call on this node, as the contract wants. If the room's channel was not yet
   * subscribed, what happened between that read and the subscription is read too (`readTail`).
   * A start that straddles a lost connection is done again, since announcements may have been
   * lost; a failed one is retried, the stream staying open, until it succeeds or the stream ends.
   * `readTail` yields `null` when what followed the start is no longer kept: then the start is
   * read again, now behind a confirmed subscription.
   */
  private async startStream<Start, Tail>(
    feed: RoomFeed,
    wanted: () => boolean,
    readStart: () => Promise<Start>,
    readTail: (start: Start) => Promise<Tail | null>,
    apply: (start: Start, tail: Tail | null) => void,
  ): Promise<void> {
    for (let attempt = 0; wanted() && !this.closed; attempt++) {
      try {
        const generation = this.generation;
        const live = this.online.isOpen && this.confirmed.has(feed.roomId);
        const starting = readStart();
        // Awaited below; until then a failure must not count as unhandled.
        starting.catch(() => {});
        await this.subscribed(feed.roomId);
        await this.online.promise;
        const start = await starting;
        const tail = live ? null : await readTail(start);
        if (generation !== this.generation || !this.online.isOpen || (!live && tail === null)) continue;
        apply(start, tail);
        return;
      } catch (error) {
        if (!isUnavailable(error)) this.logger.error("redis_stream_start_failed", { roomId: feed.roomId, error });
        await sleep(Math.min(100 * 2 ** attempt, 2000));
      }
    }
  }

  /** The messages stored after `window`'s newest one. */
  private async readAfter(roomId: RoomId, window: StreamWindow): Promise<SequencedMessage[]> {
    const entries = await this.call(() => this.commands.xrange(this.keys.stream(roomId), `(${formatPosition(window.epoch, headSeq(window))}`, "+"));
    return entries.map(([id, fields]) => sequenced(roomId, id, fields));
  }

  /** The joins and leaves after presence `version`, or `null` when the log no longer reaches back that far. */
  private async readPresenceSince(roomId: RoomId, version: number): Promise<PresenceChange[] | null> {
    const entries = await this.call(() => this.commands.xrange(this.keys.presenceLog(roomId), `(${version}-0`, "+"));
    const changes = entries.map(([id, fields]) => decodePresenceChange(roomId, Number.parseInt(id, 10), fields[1] ?? ""));
    return changes.length === 0 || changes[0]?.version === version + 1 ? changes : null;
  }

  /** The room's retained messages and floor, in one script call (see `StreamWindow`). */
  private async readWindow(roomId: RoomId): Promise<StreamWindow> {
    const [epoch, trimmedBefore, entries] = await this.call(() => this.commands.chatWindow(this.prefix, roomId, this.historySize + 1));
    const newestFirst = entries.map(([id, fields]) => sequenced(roomId, id, fields));
    // The newest message past the history size, if Redis still has it; else, when Redis trimmed
    // older ones away (a history size raised since), the position just before its oldest entry.
    const beyond = newestFirst.length > this.historySize ? newestFirst[this.historySize] : undefined;
    const oldest = parsePosition(trimmedBefore);
    const trimmedFloor = oldest !== null && oldest.epoch === epoch && oldest.seq > 0 ? oldest.seq - 1 : 0;
    return {
      roomId,
      epoch,
      retained: newestFirst.slice(0, this.historySize).reverse(),
      floorSeq: Math.max(beyond?.seq ?? 0, trimmedFloor),
    };
  }

  /** The room's members and presence version, read in one transaction. */
  private async readSnapshot(roomId: RoomId): Promise<PresenceSnapshot> {
    const results = await this.call(() => this.commands.multi().hkeys(this.keys.names(roomId)).get(this.keys.presenceVersion(roomId)).exec());
    const [names, version] = (results ?? []).map(([error, value]) => {
      if (error) throw error;
      return value;
    });
    return { members: Array.isArray(names) ? names.map(String) : [], version: Number(version ?? 0) };
  }

  private feed(roomId: RoomId): RoomFeed {
    let feed = this.feeds.get(roomId);
    if (feed === undefined) {
      feed = new RoomFeed(roomId);
      this.feeds.set(roomId, feed);
    }
    return feed;
  }

  /** Subscribes to the room's channel once; Redis's confirmation is what a stream waits for. */
  private subscribed(roomId: RoomId): Promise<unknown> {
    let subscription = this.subscriptions.get(roomId);
    if (subscription === undefined) {
      const generation = this.generation;
      subscription = this.subscriber.subscribe(this.keys.channel(roomId));
      const pending = subscription;
      pending.then(
        () => {
          if (this.subscriptions.get(roomId) === pending && generation === this.generation) this.confirmed.add(roomId);
        },
        // A failed subscribe is asked again by the next stream start.
        () => {
          if (this.subscriptions.get(roomId) === pending) this.subscriptions.delete(roomId);
        },
      );
      this.subscriptions.set(roomId, subscription);
    }
    return subscription;
  }

  /** Drops the feed and its channel once nobody on this node reads the room. */
  private release(feed: RoomFeed): void {
    if (!feed.idle || this.feeds.get(feed.roomId) !== feed) return;
    this.feeds.delete(feed.roomId);
    this.subscriptions.delete(feed.roomId);
    this.confirmed.delete(feed.roomId);
    // Sent on the same connection as any later SUBSCRIBE of the room, so the two stay in order.
    if (!this.closed) this.subscriber.unsubscribe(this.keys.channel(feed.roomId)).catch(() => {});
  }

  /** Follows both connections: health, pub/sub delivery, and the catch-up after a reconnect. */
  private watchConnections(): void {
    this.subscriber.on("message", (channel: string, payload: string) => {
      const roomId = this.keys.roomOfChannel(channel);
      if (roomId !== null) this.feeds.get(roomId)?.announce(payload);
    });
    this.subscriber.on("close", () => {
      if (!this.online.isOpen) return;
      this.generation++;
      this.online = latch();
      this.confirmed.clear();
      for (const feed of this.feeds.values()) feed.hold();
      if (!this.closed) this.logger.warn("redis_disconnected", { reason: this.lastError });
    });
    this.subscriber.on("ready", () => void this.resync());
    this.commands.on("ready", () => void this.tendLease());
    for (const connection of [this.commands, this.subscriber]) {
      connection.on("error", (error: Error) => {
        this.lastError = error.message;
      });
    }
  }

  /**
   * After (re)connecting: subscribes to every room read here and waits for Redis to confirm,
   * catches every feed up from the stream and the presence keys, then lets streams go live.
   */
  private async resync(): Promise<void> {
    const generation = this.generation;
    for (let attempt = 0; !this.closed && generation === this.generation; attempt++) {
      try {
        const roomIds = [...this.feeds.keys()];
        if (roomIds.length > 0) await this.subscriber.subscribe(...roomIds.map((roomId) => this.keys.channel(roomId)));
        for (const roomId of roomIds) this.confirmed.add(roomId);
        await this.commandsReady(generation);
        for (const feed of [...this.feeds.values()]) {
          const window = feed.oldestCursor === null ? null : await this.readWindow(feed.roomId);
          const presence = await this.presenceCatchUp(feed);
          if (generation !== this.generation) return;
          feed.catchUp(window, presence, new Date(this.clock.now()));
        }
        if (generation !== this.generation || this.online.isOpen) return;
        this.lastError = null;
        this.online.open();
        this.logger.info("redis_ready", { nodeId: this.nodeId });
        return;
      } catch (error) {
        if (!isUnavailable(error)) this.logger.error("redis_resync_failed", { error });
        await sleep(Math.min(100 * 2 ** attempt, 1000));
      }
    }
  }

  /** What the feed's live presence streams missed while the connection was down. */
  private async presenceCatchUp(feed: RoomFeed): Promise<PresenceCatchUp | null> {
    const version = feed.watchedVersion;
    if (version === null) return null;
    const changes = await this.readPresenceSince(feed.roomId, version);
    return changes === null ? { snapshot: await this.readSnapshot(feed.roomId) } : { changes };
  }

  /** Resolves once the command connection is ready too (the two reconnect independently). */
  private async commandsReady(generation: number): Promise<void> {
    while (this.commands.status !== "ready") {
      if (this.closed || generation !== this.generation) throw storeUnavailable(new Error("reconnecting"));
      await sleep(50);
    }
  }

  /**
   * Renews this node's lease, restores its memberships if another node swept them meanwhile,
   * completes leaves that failed, and sweeps the memberships of nodes whose lease ran out.
   */
  private async tendLease(): Promise<void> {
    if (this.closed || this.commands.status !== "ready") return;
    try {
      const lost = await this.commands.chatRenew(this.prefix, this.nodeId, this.presenceTtlMs);
      if (lost === 1 && this.memberships.size > 0) {
        this.logger.warn("redis_lease_restored", { nodeId: this.nodeId, memberships: this.memberships.size });
        for (const membership of this.memberships) {
          const [roomId, username] = JSON.parse(membership) as [string, string, string];
          await this.commands.chatJoin(this.prefix, roomId, username, this.nodeId, membership);
        }
      }
      for (const membership of this.pendingLeaves) {
        const [roomId, username] = JSON.parse(membership) as [string, string, string];
        await this.commands.chatLeave(this.prefix, roomId, username, this.nodeId, membership);
        this.pendingLeaves.delete(membership);
        this.memberships.delete(membership);
      }
      while ((await this.commands.chatSweep(this.prefix, SWEEP_BATCH)) === SWEEP_BATCH);
    } catch (error) {
      if (!isUnavailable(error)) this.logger.error("redis_lease_failed", { error });
    }
  }

  /** Runs a Redis call, turning "Redis cannot be reached" into the refusal a client can act on. */
  private async call<T>(run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const result = await run();
      this.onCall?.((performance.now() - started) / 1000, false);
      return result;
    } catch (error) {
      this.onCall?.((performance.now() - started) / 1000, true);
      throw storeUnavailable(error);
    }
  }
}

/** A stream entry as a message with its sequence. */
function sequenced(roomId: RoomId, id: string, fields: string[]): SequencedMessage {
  return { seq: parsePosition(id)?.seq ?? 0, message: decodeMessage(roomId, id, bodyOf(fields)) };
}

/** The `m` field of a stream entry's flat field list. */
function bodyOf(fields: string[]): string {
  const index = fields.indexOf("m");
  return index === -1 ? "{}" : (fields[index + 1] ?? "{}");
}
