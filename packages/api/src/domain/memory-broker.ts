import { EventEmitter } from "node:events";
import {
  CLIENT_MESSAGE_ID_TTL_MS,
  type ChatMessage,
  type HistoryPage,
  type Member,
  type PresenceEvent,
  REPLAY_LIMIT,
  type RoomId,
  type RoomSummary,
} from "../schema.js";
import type { AccessStore } from "./access-store.js";
import type { BrokerHealth, BrokerStats, ChatBroker, MessageDraft, PublishOptions } from "./broker.js";
import { ClientIdWindow } from "./client-id-window.js";
import { type Clock, systemClock } from "./clock.js";
import { unknownMessage } from "./errors.js";
import { EventQueue } from "./event-queue.js";
import { gapNotice } from "./gap-notice.js";
import { HistoryRing } from "./history-ring.js";
import { MemoryAccessStore } from "./memory-access-store.js";
import { formatMessageId, newEpoch, parseMessageSeq } from "./message-id.js";
import { messageBytes } from "./message-size.js";
import { compareRooms } from "./room-directory.js";
import { matchesTerms, searchTerms } from "./text-search.js";

/** Settings of the in-memory broker. */
export interface MemoryBrokerOptions {
  /** Messages kept per room. @default 1000 */
  historySize?: number;
  /** Rooms kept in memory before idle, empty ones are evicted. @default 10000 */
  maxRooms?: number;
  /**
   * Bytes of history kept across all rooms (estimated by `messageBytes`): past it, idle rooms are
   * evicted, least recently active first, then the oldest messages of the least recently active
   * rooms are dropped, down to 90%. @default 256 MiB
   */
  historyMaxBytes?: number;
  /** The most messages a subscription replays before going live. @default REPLAY_LIMIT */
  replayLimit?: number;
  /**
   * Client message ids remembered per room for `CLIENT_MESSAGE_ID_TTL_MS`; past it the oldest is
   * forgotten early, so memory stays bounded by about one history's worth per room. @default 1000
   */
  clientIdsPerRoom?: number;
  /** @default systemClock */
  clock?: Clock;
}

/** What a presence stream carries after its snapshot. */
type PresenceDelta = Exclude<PresenceEvent, { type: "snapshot" }>;

/** One room's state: its history, who holds which name, and its readers. */
class Room {
  /** Fans out `message` and `presence` events to this room's open streams. */
  readonly events = new EventEmitter();
  readonly history: HistoryRing<ChatMessage>;
  /** username → ids of the connections holding it; insertion order is join order. */
  readonly holders = new Map<string, Set<string>>();
  /** (author, client message id) → the message it stored; evicted with the room, like its history. */
  readonly clientIds: ClientIdWindow<ChatMessage>;
  streams = 0;
  /** What `history` holds, as `messageBytes` counts it. */
  bytes = 0;

  constructor(
    readonly id: RoomId,
    historySize: number,
    clientIdsPerRoom: number,
    public lastActivity: number,
    firstSeq: number,
  ) {
    // Every seq up to the broker's counter now belongs to an earlier life of the room (if any),
    // so an id from before is placed as expired, never as "nothing missed".
    this.history = new HistoryRing(historySize, firstSeq);
    this.clientIds = new ClientIdWindow(CLIENT_MESSAGE_ID_TTL_MS, clientIdsPerRoom);
    // One listener per reader is expected: a busy room has thousands.
    this.events.setMaxListeners(0);
  }

  get evictable(): boolean {
    return this.holders.size === 0 && this.streams === 0;
  }
}

/**
 * The single-process broker: a room is an `EventEmitter` plus a bounded history ring. Every
 * operation on a room runs synchronously, which is what makes replay-then-live gapless and gives
 * every reader the publish order.
 */
export class MemoryBroker implements ChatBroker {
  readonly access: AccessStore = new MemoryAccessStore();
  private readonly rooms = new Map<RoomId, Room>();
  private readonly epoch: string;
  private readonly historySize: number;
  private readonly maxRooms: number;
  private readonly clientIdsPerRoom: number;
  private readonly historyMaxBytes: number;
  private readonly replayLimit: number;
  private readonly clock: Clock;
  private seq = 0;
  /** The sum of every room's `bytes`. */
  private historyBytes = 0;
  private readonly replayed = { messages: 0, bytes: 0 };
  /** Every open stream, so `close()` can end them. */
  private readonly streams = new Set<{ close(): void }>();

  constructor(options: MemoryBrokerOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.historySize = options.historySize ?? 1000;
    this.maxRooms = options.maxRooms ?? 10_000;
    this.clientIdsPerRoom = options.clientIdsPerRoom ?? 1000;
    this.historyMaxBytes = options.historyMaxBytes ?? 256 * 1024 * 1024;
    this.replayLimit = options.replayLimit ?? REPLAY_LIMIT;
    this.epoch = newEpoch(this.clock.now());
  }

  async publish(roomId: RoomId, draft: MessageDraft, options: PublishOptions = {}): Promise<ChatMessage> {
    const now = this.clock.now();
    // Lookup, admission and storing run without an await in between: that is what makes two
    // identical publishes in flight at once store one message.
    const key = options.clientMessageId === undefined ? undefined : clientIdKey(draft.username, options.clientMessageId);
    const earlier = key === undefined ? undefined : this.rooms.get(roomId)?.clientIds.get(key, now);
    if (earlier !== undefined) return earlier;
    options.admit?.();
    const room = this.room(roomId);
    const seq = ++this.seq;
    const message: ChatMessage = {
      id: formatMessageId(this.epoch, seq),
      roomId,
      kind: draft.kind,
      username: draft.username,
      text: draft.text,
      sentAt: new Date(now),
    };
    this.store(room, seq, message);
    if (key !== undefined) room.clientIds.set(key, message, now);
    room.lastActivity = now;
    room.events.emit("message", message);
    return message;
  }

  async history(roomId: RoomId, limit: number): Promise<ChatMessage[]> {
    return this.rooms.get(roomId)?.history.last(limit) ?? [];
  }

  async historyPage(roomId: RoomId, before: string | null, limit: number): Promise<HistoryPage> {
    const history = this.rooms.get(roomId)?.history;
    let end = history?.size ?? 0;
    if (before !== null) {
      const seq = parseMessageSeq(this.epoch, before);
      const at = seq === null ? undefined : history?.indexOf(seq);
      if (at === undefined) throw unknownMessage(roomId, before);
      end = at;
    }
    const start = Math.max(0, end - limit);
    return { messages: history?.range(start, end) ?? [], hasMore: start > 0 };
  }

  async search(roomId: RoomId, query: string, limit: number): Promise<ChatMessage[]> {
    const terms = searchTerms(query);
    const held = this.rooms.get(roomId)?.history.last(this.historySize) ?? [];
    const found: ChatMessage[] = [];
    for (let index = held.length - 1; index >= 0 && found.length < limit; index--) {
      const message = held[index];
      if (message?.kind === "user" && matchesTerms(message.text, terms)) found.push(message);
    }
    return found;
  }

  messages(roomId: RoomId, afterId: string | null | undefined, signal: AbortSignal): AsyncIterable<ChatMessage> {
    const room = this.room(roomId);
    const queue = this.openStream<ChatMessage>(room, "message", signal);
    for (const message of this.replay(room, afterId)) {
      this.replayed.messages++;
      this.replayed.bytes += messageBytes(message);
      queue.push(message);
    }
    return queue;
  }

  async addMember(roomId: RoomId, username: string, holderId: string): Promise<boolean> {
    const room = this.room(roomId);
    room.lastActivity = this.clock.now();
    const holders = room.holders.get(username);
    if (holders) {
      holders.add(holderId);
      return false;
    }
    room.holders.set(username, new Set([holderId]));
    this.emitPresence(room, { type: "join", roomId, username });
    return true;
  }

  async removeMember(roomId: RoomId, username: string, holderId: string): Promise<boolean> {
    const room = this.rooms.get(roomId);
    const holders = room?.holders.get(username);
    if (!room || !holders?.delete(holderId) || holders.size > 0) return false;
    room.holders.delete(username);
    room.lastActivity = this.clock.now();
    this.emitPresence(room, { type: "leave", roomId, username });
    return true;
  }

  async members(roomId: RoomId): Promise<Member[]> {
    return this.memberList(this.rooms.get(roomId));
  }

  presence(roomId: RoomId, signal: AbortSignal): AsyncIterable<PresenceEvent> {
    const room = this.room(roomId);
    const queue = this.openStream<PresenceEvent>(room, "presence", signal);
    queue.push({ type: "snapshot", roomId, members: this.memberList(room) });
    return queue;
  }

  async typing(roomId: RoomId, username: string): Promise<void> {
    // Looked up, never created, and `lastActivity` left alone: a signal nobody reads must neither
    // create a room nor keep an idle one from being evicted.
    const room = this.rooms.get(roomId);
    if (room) this.emitPresence(room, { type: "typing", roomId, username });
  }

  async hasRoom(roomId: RoomId): Promise<boolean> {
    const room = this.rooms.get(roomId);
    return room !== undefined && (room.history.size > 0 || room.holders.size > 0);
  }

  async listRooms(): Promise<RoomSummary[]> {
    const summaries: RoomSummary[] = [];
    for (const room of this.rooms.values()) {
      if (room.holders.size > 0) summaries.push({ roomId: room.id, members: room.holders.size });
    }
    return summaries.sort(compareRooms);
  }

  stats(): BrokerStats {
    return {
      rooms: this.rooms.size,
      streams: this.streams.size,
      historyBytes: this.historyBytes,
      replayedMessages: this.replayed.messages,
      replayedBytes: this.replayed.bytes,
    };
  }

  health(): BrokerHealth {
    return { ok: true };
  }

  /** The rooms held in memory, for a broker that keeps its presence here and counts rooms of its own too. */
  roomIds(): IterableIterator<RoomId> {
    return this.rooms.keys();
  }

  async close(): Promise<void> {
    for (const stream of this.streams) stream.close();
    this.rooms.clear();
    this.historyBytes = 0;
  }

  private memberList(room: Room | undefined): Member[] {
    return room ? Array.from(room.holders.keys(), (username) => ({ username })) : [];
  }

  /** Fans `delta` out to the room's presence streams: the one emit path for joins, leaves and typing. */
  private emitPresence(room: Room, delta: PresenceDelta): void {
    room.events.emit("presence", delta);
  }

  /**
   * What a reader resuming after `afterId` is owed before live messages (see `ChatBroker.messages`):
   * at most `replayLimit` of them, after a gap notice when it missed more or cannot be placed.
   */
  private replay(room: Room, afterId: string | null | undefined): ChatMessage[] {
    const { history } = room;
    // An absent id is a fresh reader; an empty one names no position either.
    if (afterId === null || afterId === undefined || afterId === "") return history.last(this.replayLimit);
    const seq = parseMessageSeq(this.epoch, afterId);
    const from = seq === null ? undefined : history.indexAfter(seq);
    if (from !== undefined && history.size - from <= this.replayLimit) return history.from(from);
    const position = formatMessageId(this.epoch, history.positionBefore(this.replayLimit));
    return [gapNotice(room.id, position, new Date(this.clock.now())), ...history.last(this.replayLimit)];
  }

  /** Appends a message to the room's history, keeping the byte count, and sheds history past the budget. */
  private store(room: Room, seq: number, message: ChatMessage): void {
    const bytes = messageBytes(message);
    const dropped = room.history.push(seq, message);
    const freed = dropped === undefined ? 0 : messageBytes(dropped);
    room.bytes += bytes - freed;
    this.historyBytes += bytes - freed;
    if (this.historyBytes > this.historyMaxBytes) this.shed();
  }

  /**
   * Brings the history under 90% of its budget, so that shedding runs once per many messages:
   * first by evicting idle rooms, least recently active first, then by dropping the oldest
   * messages of the least recently active rooms in use (a reader resuming there gets a gap notice).
   */
  private shed(): void {
    const target = Math.floor(this.historyMaxBytes * 0.9);
    const byAge = [...this.rooms.values()].sort((a, b) => a.lastActivity - b.lastActivity);
    for (const room of byAge) {
      if (this.historyBytes <= target) return;
      if (room.evictable) this.drop(room);
    }
    for (const room of byAge) {
      while (this.historyBytes > target && room.history.size > 0) {
        const oldest = room.history.shift();
        const freed = oldest === undefined ? 0 : messageBytes(oldest);
        room.bytes -= freed;
        this.historyBytes -= freed;
      }
      if (this.historyBytes <= target) return;
    }
  }

  /** Forgets a room and its history. */
  private drop(room: Room): void {
    this.rooms.delete(room.id);
    this.historyBytes -= room.bytes;
  }

  /** Subscribes a queue to one event of the room until the reader or the broker ends it. */
  private openStream<T>(room: Room, event: "message" | "presence", signal: AbortSignal): EventQueue<T> {
    const queue: EventQueue<T> = new EventQueue<T>(() => {
      room.events.off(event, queue.push);
      room.streams--;
      this.streams.delete(queue);
      room.lastActivity = this.clock.now();
    });
    room.events.on(event, queue.push);
    room.streams++;
    this.streams.add(queue);
    return queue.closeOn(signal);
  }

  /** The room, created on first use; creating one past `maxRooms` evicts idle empty rooms. */
  private room(roomId: RoomId): Room {
    const existing = this.rooms.get(roomId);
    if (existing) return existing;
    if (this.rooms.size >= this.maxRooms) this.evict();
    const room = new Room(roomId, this.historySize, this.clientIdsPerRoom, this.clock.now(), this.seq);
    this.rooms.set(roomId, room);
    return room;
  }

  /**
   * Drops the least recently active rooms that nobody is in or reading, down to 90% of the cap
   * so that eviction runs once per many new rooms, not once per room. Rooms in use are never
   * dropped: their number is bounded by connections times rooms per connection.
   */
  private evict(): void {
    const target = Math.floor(this.maxRooms * 0.9);
    const idle = [...this.rooms.values()].filter((room) => room.evictable);
    idle.sort((a, b) => a.lastActivity - b.lastActivity);
    for (const room of idle) {
      if (this.rooms.size <= target) break;
      this.drop(room);
    }
  }
}

/** One key per author and id; JSON keeps the pair unambiguous whatever characters either holds. */
function clientIdKey(username: string, clientMessageId: string): string {
  return JSON.stringify([username, clientMessageId]);
}
