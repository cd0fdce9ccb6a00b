/**
 * The reads a stream's start and a catch-up make: a room's newest messages and floor, what was
 * stored after them, its members with their presence version, and the joins and leaves since a
 * version. Each is bounded by what it may hand out: a window never reads more than `windowSize + 1`
 * entries, however long the room's history (issue 12, attack A″: a start used to read the whole
 * history, 1,001 entries of 8 KB each).
 */
import type { Redis } from "ioredis";
import type { RoomId } from "@chat/api/schema";
import { decodeEntry, formatPosition, parsePosition } from "./message-codec.js";
import type { CallRunner } from "./redis-errors.js";
import type { RedisKeys } from "./redis-keys.js";
import type { ChatScripts } from "./redis-scripts.js";
import { decodePresenceChange, type PresenceChange, type PresenceSnapshot } from "./room-feed.js";
import { headSeq, type SequencedMessage, type StreamWindow } from "./stream-window.js";

/** One broker's reads of rooms. */
export class RoomReads {
  /**
   * @param windowSize messages a start reads and may replay: the replay limit, or the history
   *   size when that is smaller.
   */
  constructor(
    private readonly commands: Redis & ChatScripts,
    private readonly keys: RedisKeys,
    private readonly windowSize: number,
    private readonly call: CallRunner,
  ) {}

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
}
