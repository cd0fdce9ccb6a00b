/**
 * This node's message and presence streams over Redis. Each room read here has one `RoomFeed`,
 * fed by the room's pub/sub channel. A stream's start reads its starting point once per room and
 * turn (`SharedReads`), within a deadline, and joins it to the live announcements without a gap.
 * After the subscriber connection is lost and back, every channel is subscribed again and every
 * feed caught up from Redis before announcements flow again.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Redis } from "ioredis";
import { type Clock, EventQueue, eventBytes } from "@chat/api";
import type { ChatEvent, PresenceEvent, RoomId } from "@chat/api/schema";
import { ChannelSubscriptions } from "./channel-subscriptions.js";
import { latch } from "./latch.js";
import type { BrokerLogger } from "./redis-broker-options.js";
import { isUnavailable, storeUnavailable } from "./redis-errors.js";
import type { RedisKeys } from "./redis-keys.js";
import { MessageReader, type PresenceCatchUp, type PresenceChange, type PresenceSnapshot, PresenceWatcher, RoomFeed } from "./room-feed.js";
import type { RoomReads } from "./room-reads.js";
import { beforeDeadline, SharedReads } from "./shared-reads.js";
import type { SequencedEvent, StreamWindow } from "./stream-window.js";

/** A stream's starting point and what followed it until its room's channel was subscribed; `null` when it must be read again. */
type Begun<Start, Tail> = { start: Start; tail: Tail | null } | null;

/** What the streams are built on. */
export interface RoomStreamsDeps {
  /** Requests and scripts; only its readiness is looked at here, the reads go through `reads`. */
  commands: Redis;
  /** Pub/sub only; it queues and resubscribes across reconnects. */
  subscriber: Redis;
  keys: RedisKeys;
  reads: RoomReads;
  clock: Clock;
  logger: BrokerLogger;
  /** Named in the `redis_ready` line. */
  nodeId: string;
  /** How long a start may take to read its starting point before its stream fails. */
  startDeadlineMs: number;
}

/** The streams of one node, by room. */
export class RoomStreams {
  private readonly feeds = new Map<RoomId, RoomFeed>();
  private readonly channels: ChannelSubscriptions;
  private readonly open = new Set<{ close(): void }>();
  /** Message stream starts of one room in one turn share one window read. */
  private readonly messageStarts = new SharedReads<Begun<StreamWindow, SequencedEvent[]>>();
  /** Presence stream starts likewise share one snapshot read. */
  private readonly presenceStarts = new SharedReads<Begun<PresenceSnapshot, PresenceChange[]>>();
  /** Events replayed to starting streams, and their `eventBytes`, for the metrics. */
  private readonly replayed = { messages: 0, bytes: 0 };
  /** Counts losses of the subscriber's connection: a read begun in an older one must be done again. */
  private generation = 0;
  private online = latch();
  /** What either connection last failed with, until the node is back and caught up. */
  private lastError: string | null = null;
  private closed = false;

  constructor(private readonly deps: RoomStreamsDeps) {
    this.channels = new ChannelSubscriptions(deps.subscriber, deps.keys);
    this.watchConnections();
  }

  /** Resolves once Redis is reachable and this node is subscribed and caught up. */
  ready(): Promise<void> {
    return this.online.promise;
  }

  /** Why this node cannot reach Redis right now, in words for an operator; `null` when it can. */
  unreachable(): string | null {
    const { commands, subscriber } = this.deps;
    if (commands.status === "ready" && subscriber.status === "ready" && this.online.isOpen) return null;
    return `Redis is unreachable (${this.lastError ?? `connection ${commands.status}`}).`;
  }

  /** See `ChatBroker.messages`. */
  messages(roomId: RoomId, afterId: string | null | undefined, signal: AbortSignal): AsyncIterable<ChatEvent> {
    const { reads, clock } = this.deps;
    return this.openStream(signal, this.feed(roomId), (feed) => feed.readers, MessageReader, (feed, reader, wanted) =>
      this.startStream(
        feed,
        wanted,
        this.messageStarts,
        () => this.begin(roomId, () => reads.window(roomId), (window) => reads.after(roomId, window)),
        (window, tail) => this.countReplay(feed.startReader(reader, window, afterId, tail ?? [], new Date(clock.now()))),
        (error) => reader.queue.fail(error),
      ),
    );
  }

  /** See `ChatBroker.presence`. */
  presence(roomId: RoomId, signal: AbortSignal): AsyncIterable<PresenceEvent> {
    const { reads } = this.deps;
    return this.openStream(signal, this.feed(roomId), (feed) => feed.watchers, PresenceWatcher, (feed, watcher, wanted) =>
      this.startStream(
        feed,
        wanted,
        this.presenceStarts,
        () => this.begin(roomId, () => reads.snapshot(roomId), (snapshot) => reads.presenceSince(roomId, snapshot.version)),
        (snapshot, tail) => feed.startWatcher(watcher, snapshot, tail ?? []),
        (error) => watcher.queue.fail(error),
      ),
    );
  }

  /** Resolves once the room's channel subscription, if a stream here asked for one, is confirmed or has failed. */
  subscribedIfRead(roomId: RoomId): Promise<void> {
    return this.channels.settled(roomId);
  }

  /** Sends the starting reads asked for so far: called before any other command, so each stream is placed before it. */
  flushStarts(): void {
    this.messageStarts.flush();
    this.presenceStarts.flush();
  }

  /** The rooms read on this node. */
  rooms(): IterableIterator<RoomId> {
    return this.feeds.keys();
  }

  /** Rooms read here, open streams, and what their starts replayed. */
  counts(): { rooms: number; streams: number; replayedMessages: number; replayedBytes: number } {
    return { rooms: this.feeds.size, streams: this.open.size, replayedMessages: this.replayed.messages, replayedBytes: this.replayed.bytes };
  }

  /** Ends every open stream. */
  close(): void {
    this.closed = true;
    for (const stream of this.open) stream.close();
    this.feeds.clear();
  }

  /**
   * Opens one of the room's streams on this node: a queue registered in `streamsOf(feed)` until
   * its reader or the broker ends it, then handed to `start` (with "is it still open?"). The
   * room's channel is subscribed at once, so that a typing signal sent right after is seen.
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
      this.open.delete(queue);
      this.release(feed);
    });
    const stream = new Stream(queue);
    members.add(stream);
    this.open.add(queue);
    queue.closeOn(signal);
    void this.channels.subscribe(feed.roomId);
    void start(feed, stream, () => members.has(stream));
    return queue;
  }

  /**
   * Starts a stream: its starting point is read by `begin`, shared with the other starts of its
   * room in the same turn (`shared`), then handed to `apply`. A start that straddles a lost
   * connection is done again, since announcements may have been lost; a failed one is retried
   * until the start deadline, and then the stream fails (`fail`) with the refusal a client can
   * act on, rather than retrying forever.
   */
  private async startStream<Start, Tail>(
    feed: RoomFeed,
    wanted: () => boolean,
    shared: SharedReads<Begun<Start, Tail>>,
    begin: () => Promise<Begun<Start, Tail>>,
    apply: (start: Start, tail: Tail | null) => void,
    fail: (error: unknown) => void,
  ): Promise<void> {
    const deadline = performance.now() + this.deps.startDeadlineMs;
    const late = new Error("the stream's start could not be read in time");
    let cause: unknown = late;
    for (let attempt = 0; wanted() && !this.closed; attempt++) {
      try {
        const left = deadline - performance.now();
        if (left <= 0) throw late;
        const begun = await beforeDeadline(shared.read(feed.roomId, begin), left, () => late);
        if (begun === null) continue;
        apply(begun.start, begun.tail);
        return;
      } catch (error) {
        if (error === late) {
          fail(storeUnavailable(cause));
          return;
        }
        cause = error;
        if (!isUnavailable(error)) this.deps.logger.error("redis_stream_start_failed", { roomId: feed.roomId, error });
        await sleep(Math.max(0, Math.min(100 * 2 ** attempt, 2000, deadline - performance.now())));
      }
    }
  }

  /**
   * Reads a stream's starting point (`readStart`) and, if the room's channel was not yet
   * subscribed when it was read, what happened between that read and the subscription
   * (`readTail`). `readStart` is sent before this returns its promise, so the stream is placed
   * before any later call on this node. `null` when it must be read again: the connection was
   * lost meanwhile, or `readTail` found that what followed the start is no longer kept.
   */
  private async begin<Start, Tail>(
    roomId: RoomId,
    readStart: () => Promise<Start>,
    readTail: (start: Start) => Promise<Tail | null>,
  ): Promise<Begun<Start, Tail>> {
    const generation = this.generation;
    const live = this.online.isOpen && this.channels.isConfirmed(roomId);
    const starting = readStart();
    // Awaited below; until then a failure must not count as unhandled.
    starting.catch(() => {});
    await this.channels.subscribe(roomId);
    await this.online.promise;
    const start = await starting;
    const tail = live ? null : await readTail(start);
    if (generation !== this.generation || !this.online.isOpen || (!live && tail === null)) return null;
    return { start, tail };
  }

  private countReplay(replayed: readonly ChatEvent[]): void {
    this.replayed.messages += replayed.length;
    for (const event of replayed) this.replayed.bytes += eventBytes(event);
  }

  private feed(roomId: RoomId): RoomFeed {
    let feed = this.feeds.get(roomId);
    if (feed === undefined) {
      feed = new RoomFeed(roomId);
      this.feeds.set(roomId, feed);
    }
    return feed;
  }

  /** Drops the feed and its channel once nobody on this node reads the room. */
  private release(feed: RoomFeed): void {
    if (!feed.idle || this.feeds.get(feed.roomId) !== feed) return;
    this.feeds.delete(feed.roomId);
    if (!this.closed) this.channels.unsubscribe(feed.roomId);
  }

  /** Follows both connections: their errors, pub/sub delivery, and the catch-up after a reconnect. */
  private watchConnections(): void {
    const { commands, subscriber, keys, logger } = this.deps;
    subscriber.on("message", (channel: string, payload: string) => {
      const roomId = keys.roomOfChannel(channel);
      if (roomId !== null) this.feeds.get(roomId)?.announce(payload);
    });
    subscriber.on("close", () => {
      if (!this.online.isOpen) return;
      this.generation++;
      this.online = latch();
      this.channels.lost();
      for (const feed of this.feeds.values()) feed.hold();
      if (!this.closed) logger.warn("redis_disconnected", { reason: this.lastError });
    });
    subscriber.on("ready", () => void this.resync());
    for (const connection of [commands, subscriber]) {
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
    const { reads, clock, logger } = this.deps;
    const generation = this.generation;
    for (let attempt = 0; !this.closed && generation === this.generation; attempt++) {
      try {
        await this.channels.resubscribe([...this.feeds.keys()]);
        await this.commandsReady(generation);
        for (const feed of [...this.feeds.values()]) {
          const window = feed.oldestCursor === null ? null : await reads.window(feed.roomId);
          const presence = await this.presenceCatchUp(feed);
          if (generation !== this.generation) return;
          feed.catchUp(window, presence, new Date(clock.now()));
        }
        if (generation !== this.generation || this.online.isOpen) return;
        this.lastError = null;
        this.online.open();
        logger.info("redis_ready", { nodeId: this.deps.nodeId });
        return;
      } catch (error) {
        if (!isUnavailable(error)) logger.error("redis_resync_failed", { error });
        await sleep(Math.min(100 * 2 ** attempt, 1000));
      }
    }
  }

  /** What the feed's live presence streams missed while the connection was down. */
  private async presenceCatchUp(feed: RoomFeed): Promise<PresenceCatchUp | null> {
    const version = feed.watchedVersion;
    if (version === null) return null;
    const { reads } = this.deps;
    const changes = await reads.presenceSince(feed.roomId, version);
    return changes === null ? { snapshot: await reads.snapshot(feed.roomId) } : { changes };
  }

  /** Resolves once the command connection is ready too (the two reconnect independently). */
  private async commandsReady(generation: number): Promise<void> {
    while (this.deps.commands.status !== "ready") {
      if (this.closed || generation !== this.generation) throw storeUnavailable(new Error("reconnecting"));
      await sleep(50);
    }
  }
}
