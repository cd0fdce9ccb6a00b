import { EventEmitter } from "node:events";
import {
  CLIENT_MESSAGE_ID_TTL_MS,
  type ChatEvent,
  type ChatMessage,
  type HistoryPage,
  type Member,
  type MessageUpdate,
  type PresenceEvent,
  REPLAY_LIMIT,
  type ReplyQuote,
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
import { eventBytes } from "./message-size.js";
import { applyChange, type ChangeRequest, messageNotFound, newMessage, withoutQuoteOf } from "./message-state.js";
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
  /** Messages in their current state and updates, in the order readers got them. */
  readonly history: HistoryRing<ChatEvent>;
  /** Message id → the identity that sent it, for the messages in `history` that have one. */
  readonly authors = new Map<string, string>();
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
    // The retried message as it is now, edits and deletion included, like history shows it.
    if (earlier !== undefined) return this.held(this.rooms.get(roomId), earlier.id) ?? earlier;
    options.admit?.();
    const room = this.room(roomId);
    const seq = ++this.seq;
    const message = newMessage({
      id: formatMessageId(this.epoch, seq),
      roomId,
      kind: draft.kind,
      username: draft.username,
      text: draft.text,
      sentAt: new Date(now),
      replyTo: draft.replyTo === undefined ? null : this.quote(room, draft.replyTo),
      mentions: draft.mentions,
    });
    this.store(room, seq, message);
    if (draft.authorId !== undefined) room.authors.set(message.id, draft.authorId);
    if (key !== undefined) room.clientIds.set(key, message, now);
    room.lastActivity = now;
    room.events.emit("message", message);
    return message;
  }

  async change(roomId: RoomId, messageId: string, request: ChangeRequest): Promise<ChatMessage> {
    const room = this.rooms.get(roomId);
    const index = this.indexOf(room, messageId);
    const current = index === undefined ? undefined : room?.history.at(index);
    if (room === undefined || index === undefined || current === undefined || current.kind === "update") throw messageNotFound(roomId, messageId);
    const now = this.clock.now();
    // Reading, deciding and storing run without an await in between: two changes at once apply
    // one after the other, each to the state the other left.
    const changed = applyChange(current, room.authors.get(messageId), request, new Date(now));
    if (changed === null) return current;
    this.replaceAt(room, index, changed);
    if (changed.deleted) this.scrub(room, changed);
    const seq = ++this.seq;
    const update: MessageUpdate = { kind: "update", id: formatMessageId(this.epoch, seq), roomId, target: messageId, message: changed, sentAt: new Date(now) };
    this.store(room, seq, update);
    room.lastActivity = now;
    room.events.emit("message", update);
    return changed;
  }

  async message(roomId: RoomId, messageId: string): Promise<ChatMessage | undefined> {
    return this.held(this.rooms.get(roomId), messageId);
  }

  async history(roomId: RoomId, limit: number): Promise<ChatMessage[]> {
    const history = this.rooms.get(roomId)?.history;
    return history === undefined ? [] : messagesBefore(history, history.size, limit).messages;
  }

  async historyPage(roomId: RoomId, before: string | null, limit: number): Promise<HistoryPage> {
    const room = this.rooms.get(roomId);
    let end = room?.history.size ?? 0;
    if (before !== null) {
      const at = this.indexOf(room, before);
      if (at === undefined || room?.history.at(at)?.kind === "update") throw unknownMessage(roomId, before);
      end = at;
    }
    return room === undefined ? { messages: [], hasMore: false } : messagesBefore(room.history, end, limit);
  }

  async search(roomId: RoomId, query: string, limit: number): Promise<ChatMessage[]> {
    const terms = searchTerms(query);
    const history = this.rooms.get(roomId)?.history;
    const found: ChatMessage[] = [];
    for (let index = (history?.size ?? 0) - 1; index >= 0 && found.length < limit; index--) {
      const message = history?.at(index);
      if (message?.kind === "user" && matchesTerms(message.text, terms)) found.push(message);
    }
    return found;
  }

  messages(roomId: RoomId, afterId: string | null | undefined, signal: AbortSignal): AsyncIterable<ChatEvent> {
    const room = this.room(roomId);
    const queue = this.openStream<ChatEvent>(room, "message", signal);
    for (const event of this.replay(room, afterId)) {
      this.replayed.messages++;
      this.replayed.bytes += eventBytes(event);
      queue.push(event);
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
  private replay(room: Room, afterId: string | null | undefined): ChatEvent[] {
    const { history } = room;
    // An absent id is a fresh reader; an empty one names no position either.
    if (afterId === null || afterId === undefined || afterId === "") return history.last(this.replayLimit);
    const seq = parseMessageSeq(this.epoch, afterId);
    const from = seq === null ? undefined : history.indexAfter(seq);
    if (from !== undefined && history.size - from <= this.replayLimit) return history.from(from);
    const position = formatMessageId(this.epoch, history.positionBefore(this.replayLimit));
    return [gapNotice(room.id, position, new Date(this.clock.now())), ...history.last(this.replayLimit)];
  }

  /** Appends an event to the room's history, keeping the byte count, and sheds history past the budget. */
  private store(room: Room, seq: number, event: ChatEvent): void {
    const dropped = room.history.push(seq, event);
    this.count(room, eventBytes(event) - (dropped === undefined ? 0 : this.forget(room, dropped)));
    if (this.historyBytes > this.historyMaxBytes) this.shed();
  }

  /** Lets go of what the room keeps beside an event that left its history; returns the event's bytes. */
  private forget(room: Room, event: ChatEvent): number {
    if (event.kind !== "update") room.authors.delete(event.id);
    return eventBytes(event);
  }

  /** Adds `bytes` (negative: frees them) to the room's and the broker's count. */
  private count(room: Room, bytes: number): void {
    room.bytes += bytes;
    this.historyBytes += bytes;
  }

  /** Puts `event` at `index` of the room's history in place of what was there. */
  private replaceAt(room: Room, index: number, event: ChatEvent): void {
    const replaced = room.history.replace(index, event);
    this.count(room, eventBytes(event) - (replaced === undefined ? 0 : eventBytes(replaced)));
  }

  /**
   * Empties every copy of a deleted message's text the room holds: its earlier updates, quotes
   * of it in replies (and in their updates), and what its client id would return on a retry.
   */
  private scrub(room: Room, deleted: ChatMessage): void {
    const scrubbed = (message: ChatMessage): ChatMessage => (message.id === deleted.id ? deleted : withoutQuoteOf(message, deleted.id));
    for (let index = 0; index < room.history.size; index++) {
      const event = room.history.at(index);
      if (event === undefined) continue;
      const message = event.kind === "update" ? event.message : event;
      const clean = scrubbed(message);
      if (clean !== message) this.replaceAt(room, index, event.kind === "update" ? { ...event, message: clean } : clean);
    }
    room.clientIds.replaceAll(scrubbed);
  }

  /** Where the event `id` sits in the room's history, if the room holds it. */
  private indexOf(room: Room | undefined, id: string): number | undefined {
    const seq = parseMessageSeq(this.epoch, id);
    return seq === null ? undefined : room?.history.indexOf(seq);
  }

  /** The message `id` of the room in its current state, if the room holds it. */
  private held(room: Room | undefined, id: string): ChatMessage | undefined {
    const index = this.indexOf(room, id);
    const event = index === undefined ? undefined : room?.history.at(index);
    return event?.kind === "update" ? undefined : event;
  }

  /** `quote` as it may be stored now: emptied when the message it quotes was deleted meanwhile. */
  private quote(room: Room, quote: ReplyQuote): ReplyQuote {
    return this.held(room, quote.id)?.deleted === true ? { ...quote, text: "" } : quote;
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
        if (oldest !== undefined) this.count(room, -this.forget(room, oldest));
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

/**
 * The `limit` messages (not updates) just before position `end` of `history`, oldest first, and
 * whether it holds older ones. Updates are few beside messages, so the walk stays short.
 */
function messagesBefore(history: HistoryRing<ChatEvent>, end: number, limit: number): HistoryPage {
  const messages: ChatMessage[] = [];
  let index = end - 1;
  for (; index >= 0 && messages.length < limit; index--) {
    const event = history.at(index);
    if (event !== undefined && event.kind !== "update") messages.push(event);
  }
  for (; index >= 0; index--) {
    if (history.at(index)?.kind !== "update") return { messages: messages.reverse(), hasMore: true };
  }
  return { messages: messages.reverse(), hasMore: false };
}
