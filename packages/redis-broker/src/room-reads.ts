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
import { decodeEntry, decodeEntryMessage, formatPosition, parsePosition } from "./message-codec.js";
import type { CallRunner } from "./redis-errors.js";
import type { RedisKeys } from "./redis-keys.js";
import type { ChatScripts } from "./redis-scripts.js";
import { decodePresenceChange, type PresenceChange, type PresenceSnapshot } from "./room-feed.js";
import { headSeq, type SequencedMessage, type StreamWindow } from "./stream-window.js";

/**
 * Entries a search reads per command: a reply of at most 200 messages (1.6 MB at 8 KB each) stays
 * small, and a search that finds its matches among the newest reads no further.
 */
const SEARCH_CHUNK = 200;

/** A stream entry as Redis replies with it. */
type StreamEntry = [id: string, fields: string[]];

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
    const count = this.retainedCount(limit);
    if (count === 0) return [];
    const entries = await this.call(() => this.commands.xrevrange(this.keys.stream(roomId), "+", "-", "COUNT", count));
    return oldestFirst(roomId, entries);
  }

  /** See `ChatBroker.historyPage`: one script call, which reads one entry more than the page to know whether older ones remain. */
  async historyPage(roomId: RoomId, before: string | null, limit: number): Promise<HistoryPage> {
    // A message id is its stream entry's id; what cannot be one is refused before Redis sees it.
    if (before !== null && parsePosition(before) === null) throw unknownMessage(roomId, before);
    const from = before ?? "";
    const count = this.retainedCount(limit);
    const entries = await this.call(() => this.commands.chatPage(this.keys.prefix, roomId, this.historySize, from, count + 1));
    if (entries === null) throw unknownMessage(roomId, from);
    return { messages: oldestFirst(roomId, entries.slice(0, count)), hasMore: entries.length > count };
  }

  /**
   * See `ChatBroker.search`: Redis has no index of words, so this scans the retained history,
   * newest first, `SEARCH_CHUNK` entries per command, until it has `limit` matches.
   */
  async search(roomId: RoomId, query: string, limit: number): Promise<ChatMessage[]> {
    const terms = searchTerms(query);
    const found: ChatMessage[] = [];
    if (terms.length === 0 || limit <= 0) return found;
    let end = "+";
    for (let unread = this.historySize; unread > 0; unread -= SEARCH_CHUNK) {
      const count = Math.min(SEARCH_CHUNK, unread);
      const entries = await this.call(() => this.commands.xrevrange(this.keys.stream(roomId), end, "-", "COUNT", count));
      for (const [id, fields] of entries) {
        const message = decodeEntryMessage(roomId, id, fields);
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
   * The newest `windowSize` messages and the floor below them, in one script call that reads
   * `windowSize + 1` entries and no more (see `StreamWindow`).
   */
  async window(roomId: RoomId): Promise<StreamWindow> {
    const size = this.windowSize;
    const [epoch, trimmedBefore, entries] = await this.call(() => this.commands.chatWindow(this.keys.prefix, roomId, size + 1));
    const newestFirst = entries.map(([id, fields]) => decodeEntry(roomId, id, fields));
    // The newest message before the window, if Redis has it; else, when Redis trimmed older ones
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

  /** The messages stored after `window`'s newest one. */
  async after(roomId: RoomId, window: StreamWindow): Promise<SequencedMessage[]> {
    const entries = await this.call(() => this.commands.xrange(this.keys.stream(roomId), `(${formatPosition(window.epoch, headSeq(window))}`, "+"));
    return entries.map(([id, fields]) => decodeEntry(roomId, id, fields));
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

/** Entries read newest first, as messages oldest first, the order every history read returns. */
function oldestFirst(roomId: RoomId, newestFirst: StreamEntry[]): ChatMessage[] {
  return newestFirst.map(([id, fields]) => decodeEntryMessage(roomId, id, fields)).reverse();
}
