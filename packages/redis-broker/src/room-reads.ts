/**
 * A room's reads: its history, a page of it and a search of it, and those a stream's start and a
 * catch-up make: its newest messages and floor, what was stored after them, its members with their
 * presence version, and the joins and leaves since a version. Each is bounded by what it may hand
 * out: a window never reads more than `windowSize + 1` entries, however long the room's history
 * (issue 12, attack A″: a start used to read the whole history, 1,001 entries of 8 KB each), a
 * page one more than it holds, and a search a chunk at a time.
 */
import type { Redis } from "ioredis";
import { matchesTerms, searchTerms, unknownMessage } from "@chat/api";
import type { ChatMessage, HistoryPage, RoomId } from "@chat/api/schema";
import { decodeEntries, fieldOf, formatPosition, parsePosition, stateVersion } from "./message-codec.js";
import type { CallRunner } from "./redis-errors.js";
import type { RedisKeys } from "./redis-keys.js";
import type { ChatScripts } from "./redis-scripts.js";
import { decodePresenceChange, type PresenceChange, type PresenceSnapshot } from "./room-feed.js";
import { headSeq, type SequencedEvent, type StreamWindow } from "./stream-window.js";

/**
 * Entries a search reads per command: a reply of at most 200 messages (1.6 MB at 8 KB each) stays
 * small, and a search that finds its matches among the newest reads no further.
 */
const SEARCH_CHUNK = 200;

/** A retained message as a change needs it: its current state, who sent it, and the version a compare-and-set expects. */
export interface HeldMessage {
  message: ChatMessage;
  authorId: string | undefined;
  /** The states hash's version of it, '' while it was never changed. */
  version: string;
}

/** One broker's reads of rooms. */
export class RoomReads {
  /**
   * @param historySize messages a room retains: the newest this many of its stream's entries.
   * @param windowSize messages a start reads and may replay: the replay limit, or the history
   *   size when that is smaller.
   */
  constructor(
    private readonly commands: Redis & ChatScripts,
    private readonly keys: RedisKeys,
    private readonly historySize: number,
    private readonly windowSize: number,
    private readonly call: CallRunner,
  ) {}

  /** See `ChatBroker.history`. */
  async history(roomId: RoomId, limit: number): Promise<ChatMessage[]> {
    return (await this.historyPage(roomId, null, limit)).messages;
  }

  /**
   * See `ChatBroker.historyPage`: one script call, which reads one message more than the page to
   * know whether older ones remain, skipping updates, and the current state of those it returns.
   */
  async historyPage(roomId: RoomId, before: string | null, limit: number): Promise<HistoryPage> {
    // A message id is its stream entry's id; what cannot be one is refused before Redis sees it.
    if (before !== null && parsePosition(before) === null) throw unknownMessage(roomId, before);
    const from = before ?? "";
    const count = this.retainedCount(limit);
    if (count === 0 && before === null) return { messages: [], hasMore: false };
    const page = await this.call(() => this.commands.chatPage(this.keys.prefix, roomId, this.historySize, from, count + 1));
    if (page === null) throw unknownMessage(roomId, from);
    const [entries, overlay] = page;
    const newestFirst = decodeEntries(roomId, entries, overlay);
    return { messages: messagesOf(newestFirst.slice(0, count)).reverse(), hasMore: entries.length > count };
  }

  /** The message `id` of the room as it is now, with its author and version; undefined when the room retains no such message. */
  async held(roomId: RoomId, id: string): Promise<HeldMessage | undefined> {
    if (parsePosition(id) === null) return undefined;
    const found = await this.call(() => this.commands.chatMessage(this.keys.prefix, roomId, this.historySize, id));
    if (found === null) return undefined;
    const [entry, overlay] = found;
    const [message] = messagesOf(decodeEntries(roomId, [entry], overlay));
    if (message === undefined) return undefined;
    const state = overlay?.[0][0] ?? null;
    return { message, authorId: fieldOf(entry[1], "a"), version: state === null ? "" : stateVersion(state) };
  }

  /**
   * See `ChatBroker.search`: Redis has no index of words, so this scans the retained history,
   * newest first, `SEARCH_CHUNK` entries per command, until it has `limit` matches. Each message
   * is matched as it is now: an edit's new words find it, a deleted one is found by none.
   */
  async search(roomId: RoomId, query: string, limit: number): Promise<ChatMessage[]> {
    const terms = searchTerms(query);
    const found: ChatMessage[] = [];
    if (terms.length === 0 || limit <= 0) return found;
    let end = "+";
    for (let unread = this.historySize; unread > 0; unread -= SEARCH_CHUNK) {
      const count = Math.min(SEARCH_CHUNK, unread);
      const [entries, overlay] = await this.call(() => this.commands.chatRange(this.keys.prefix, roomId, "rev", end, "-", count));
      for (const message of messagesOf(decodeEntries(roomId, entries, overlay))) {
        if (message.kind !== "user" || !matchesTerms(message.text, terms)) continue;
        found.push(message);
        if (found.length === limit) return found;
      }
      const last = entries.at(-1);
      if (last === undefined || entries.length < count) return found;
      end = `(${last[0]}`;
    }
    return found;
  }

  /**
   * The newest `windowSize` events and the floor below them, in one script call that reads
   * `windowSize + 1` entries and no more (see `StreamWindow`).
   */
  async window(roomId: RoomId): Promise<StreamWindow> {
    const size = this.windowSize;
    const [epoch, trimmedBefore, entries, overlay] = await this.call(() => this.commands.chatWindow(this.keys.prefix, roomId, size + 1));
    const newestFirst = decodeEntries(roomId, entries, overlay);
    // The newest event before the window, if Redis has it; else, when Redis trimmed older ones
    // away (a history size raised since), the position just before its oldest entry.
    const beyond = newestFirst[size];
    const oldest = parsePosition(trimmedBefore);
    const trimmedFloor = oldest !== null && oldest.epoch === epoch && oldest.seq > 0 ? oldest.seq - 1 : 0;
    return {
      roomId,
      epoch,
      retained: newestFirst.slice(0, size).reverse(),
      floorSeq: Math.max(beyond?.seq ?? 0, trimmedFloor),
    };
  }

  /** The events stored after `window`'s newest one. */
  async after(roomId: RoomId, window: StreamWindow): Promise<SequencedEvent[]> {
    const start = `(${formatPosition(window.epoch, headSeq(window))}`;
    const [entries, overlay] = await this.call(() => this.commands.chatRange(this.keys.prefix, roomId, "fwd", start, "+", 0));
    return decodeEntries(roomId, entries, overlay);
  }

  /** The room's members and presence version, read in one transaction. */
  async snapshot(roomId: RoomId): Promise<PresenceSnapshot> {
    const results = await this.call(() => this.commands.multi().hkeys(this.keys.names(roomId)).get(this.keys.presenceVersion(roomId)).exec());
    const [names, version] = (results ?? []).map(([error, value]) => {
      if (error) throw error;
      return value;
    });
    return { members: Array.isArray(names) ? names.map(String) : [], version: Number(version ?? 0) };
  }

  /** The joins and leaves after presence `version`, or `null` when the log no longer reaches back that far. */
  async presenceSince(roomId: RoomId, version: number): Promise<PresenceChange[] | null> {
    const entries = await this.call(() => this.commands.xrange(this.keys.presenceLog(roomId), `(${version}-0`, "+"));
    const changes = entries.map(([id, fields]) => decodePresenceChange(roomId, Number.parseInt(id, 10), fields[1] ?? ""));
    return changes.length === 0 || changes[0]?.version === version + 1 ? changes : null;
  }

  /** How many messages a read of `limit` may hand out: no more than the room retains. */
  private retainedCount(limit: number): number {
    return Math.max(0, Math.min(limit, this.historySize));
  }
}

/** The messages among `events`, updates left out, in the same order. */
function messagesOf(events: readonly SequencedEvent[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (const { event } of events) if (event.kind !== "update") messages.push(event);
  return messages;
}
