/**
 * The newest part of a room's history, read from its stream in one step, and where a reader with
 * a given `lastEventId` stands in it. A start reads only what it may replay: the newest
 * `replayLimit` events, messages and updates alike (fewer when the history size is smaller), plus
 * the one before them, whose position is the floor. A reader at or after the floor continues
 * exactly; one before it missed more than it may be replayed, or more than the room retains, and
 * gets a gap notice first.
 */
import { gapNotice } from "@chat/api";
import type { ChatEvent, ChatMessage, RoomId } from "@chat/api/schema";
import { formatPosition, parsePosition } from "./message-codec.js";

/** An event (a message or an update) with its sequence number, which orders and deduplicates it. */
export interface SequencedEvent {
  seq: number;
  event: ChatEvent;
}

/** A room's retained events as of one read. */
export interface StreamWindow {
  roomId: RoomId;
  /** The dataset's epoch at the time of the read. */
  epoch: string;
  /** The newest events a starting reader may be replayed (at most the replay limit), oldest first. */
  retained: SequencedEvent[];
  /**
   * The newest position before the retained ones that a reader may stand at and miss nothing:
   * the newest event before them, or just before the oldest one Redis kept when it trimmed
   * older ones away, or 0 when the room never lost one.
   */
  floorSeq: number;
}

/** What a reader is owed from a window: maybe a gap notice, then events. */
export interface Resumption {
  notice: ChatMessage | null;
  events: SequencedEvent[];
}

/** The newest position a window covers: a reader given it has everything up to there. */
export function headSeq(window: StreamWindow): number {
  return window.retained.at(-1)?.seq ?? window.floorSeq;
}

/**
 * Where a reader resuming after `afterId` stands (see `ChatBroker.messages`): an id of a retained
 * message or a position between the floor and the oldest retained one continues exactly; anything
 * else (another dataset's, expired, another room's, garbage) gets a gap notice and everything
 * retained. The notice's id is the floor, from which resuming continues exactly.
 */
export function resume(window: StreamWindow, afterId: string | null | undefined, now: Date): Resumption {
  if (afterId === null || afterId === undefined || afterId === "") return { notice: null, events: window.retained };
  const position = parsePosition(afterId);
  if (position !== null && position.epoch === window.epoch) {
    const { seq } = position;
    const index = window.retained.findIndex((entry) => entry.seq >= seq);
    if (index === -1 && seq === headSeq(window)) return { notice: null, events: [] };
    if (index !== -1 && window.retained[index]?.seq === seq) return { notice: null, events: window.retained.slice(index + 1) };
    if (index === 0 && seq >= window.floorSeq) return { notice: null, events: window.retained };
  }
  return { notice: noticeFor(window, now), events: window.retained };
}

/** The gap notice for a reader the window cannot continue: its id is the floor, from which resuming continues exactly. */
export function noticeFor(window: StreamWindow, now: Date): ChatMessage {
  return gapNotice(window.roomId, formatPosition(window.epoch, window.floorSeq), now);
}
