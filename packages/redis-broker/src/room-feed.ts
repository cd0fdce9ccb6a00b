/**
 * One room's readers on this node, fed by the room's pub/sub channel. Pub/sub says what happens
 * from the moment a node subscribes, and drops what happens while the node is disconnected; the
 * stream and the presence keys say what is. The feed joins the two without a gap or a duplicate:
 * each message stream has a cursor (the newest sequence it has), each presence stream a version,
 * and a stream whose starting point is still being read keeps what arrives meanwhile until it is.
 */
import type { EventQueue } from "@chat/api";
import type { ChatEvent, PresenceEvent, RoomId } from "@chat/api/schema";
import { decodeIdAndBody, decodeUpdate, parsePosition } from "./message-codec.js";
import { headSeq, noticeFor, resume, type SequencedEvent, type StreamWindow } from "./stream-window.js";

/** A join, leave or typing signal, as presence streams carry them after the snapshot. */
type PresenceDelta = Exclude<PresenceEvent, { type: "snapshot" }>;

/** The room's members at a presence version, read in one step. */
export interface PresenceSnapshot {
  members: string[];
  version: number;
}

/** A join or leave with the presence version it made. */
export interface PresenceChange {
  type: "presence";
  version: number;
  delta: PresenceDelta;
}

/** What arrives on a room's channel, decoded. */
type Announcement = { type: "message"; entry: SequencedEvent } | PresenceChange | { type: "typing"; delta: PresenceDelta };

/** What brings presence streams up to date after a reconnect: the changes since, or where those are gone, the members now. */
export type PresenceCatchUp = { changes: PresenceChange[] } | { snapshot: PresenceSnapshot };

/** A change as the scripts write it (`j<username>` or `l<username>`) at `version`. */
export function decodePresenceChange(roomId: RoomId, version: number, change: string): PresenceChange {
  const type = change[0] === "j" ? "join" : "leave";
  return { type: "presence", version, delta: { type, roomId, username: change.slice(1) } };
}

/** A message stream on this node. */
export class MessageReader {
  /** The newest sequence this reader has; `null` until its replay has been read. */
  cursor: number | null = null;
  /** Live events that arrived before the replay did. */
  pending: SequencedEvent[] = [];

  constructor(readonly queue: EventQueue<ChatEvent>) {}
}

/** A presence stream on this node. */
export class PresenceWatcher {
  /** The presence version its snapshot and deltas have reached; `null` until the snapshot has been read. */
  version: number | null = null;
  /** Deltas and typing signals that arrived before the snapshot did. */
  pending: Announcement[] = [];

  constructor(readonly queue: EventQueue<PresenceEvent>) {}
}

/** The fan-out of one room on one node. */
export class RoomFeed {
  readonly readers = new Set<MessageReader>();
  readonly watchers = new Set<PresenceWatcher>();
  /** The dataset epoch of the sequences in the cursors. */
  epoch: string | null = null;
  /** Who the watchers believe is present, so that after a reconnect only the differences are sent. */
  private view: { members: Set<string>; version: number } | null = null;
  /** While catching up after a reconnect, announcements wait here so that they follow the catch-up. */
  private held: Announcement[] | null = null;

  constructor(readonly roomId: RoomId) {}

  /** True when nobody on this node reads the room. */
  get idle(): boolean {
    return this.readers.size === 0 && this.watchers.size === 0;
  }

  /** The oldest cursor of the live readers: where a catch-up must start; `null` when no reader is live. */
  get oldestCursor(): number | null {
    let oldest: number | null = null;
    for (const reader of this.readers) {
      if (reader.cursor !== null && (oldest === null || reader.cursor < oldest)) oldest = reader.cursor;
    }
    return oldest;
  }

  /** Handles one pub/sub announcement of the room. */
  announce(payload: string): void {
    const announcement = this.decode(payload);
    if (announcement === null) return;
    if (this.held !== null) this.held.push(announcement);
    else this.dispatch(announcement);
  }

  /**
   * A reader's replay was read: it gets the replay, then `tail` (what was stored between the
   * replay's read and the channel's subscription), then what arrived live, each event once.
   * Returns what it replayed (a gap notice included), for the broker's counts.
   */
  startReader(reader: MessageReader, window: StreamWindow, afterId: string | null | undefined, tail: SequencedEvent[], now: Date): ChatEvent[] {
    if (!this.readers.has(reader)) return [];
    this.epoch = window.epoch;
    const { notice, events } = resume(window, afterId, now);
    const replayed = events.map((entry) => entry.event);
    if (notice !== null) replayed.unshift(notice);
    for (const event of replayed) reader.queue.push(event);
    reader.cursor = headSeq(window);
    const pending = reader.pending;
    reader.pending = [];
    for (const entry of [...tail, ...pending]) this.deliver(reader, entry);
    return replayed;
  }

  /** A watcher's snapshot was read: it gets the snapshot, then `tail` and the live changes newer than it. */
  startWatcher(watcher: PresenceWatcher, snapshot: PresenceSnapshot, tail: PresenceChange[]): void {
    if (!this.watchers.has(watcher)) return;
    watcher.queue.push({ type: "snapshot", roomId: this.roomId, members: snapshot.members.map((username) => ({ username })) });
    watcher.version = snapshot.version;
    if (this.view === null) this.view = { members: new Set(snapshot.members), version: snapshot.version };
    const pending = watcher.pending;
    watcher.pending = [];
    // The tail covers what happened before the subscription took effect; from there on the
    // live announcements are complete and in order, typing signals included, so they win.
    const firstLive = pending.find((announcement) => announcement.type === "presence")?.version ?? Infinity;
    const before = tail.filter((change) => change.version < firstLive);
    for (const announcement of [...before, ...pending]) {
      this.updateView(announcement);
      this.dispatchTo(watcher, announcement);
    }
  }

  /** From now until `catchUp`, announcements wait: the connection to Redis was lost and is back. */
  hold(): void {
    this.held ??= [];
  }

  /**
   * Brings live streams up to date after a reconnect, from the stream (`window`, read after the
   * channel was subscribed again) and the presence log or members, then releases what waited.
   */
  catchUp(window: StreamWindow | null, presence: PresenceCatchUp | null, now: Date): void {
    if (window !== null) this.catchUpReaders(window, now);
    if (presence !== null && "changes" in presence) for (const change of presence.changes) this.dispatch(change);
    if (presence !== null && "snapshot" in presence) this.catchUpWatchers(presence.snapshot);
    const held = this.held ?? [];
    this.held = null;
    for (const announcement of held) this.dispatch(announcement);
  }

  /** The presence version the watchers' shared view has reached; `null` when no watcher is live. */
  get watchedVersion(): number | null {
    const live = [...this.watchers].some((watcher) => watcher.version !== null);
    return live && this.view !== null ? this.view.version : null;
  }

  private catchUpReaders(window: StreamWindow, now: Date): void {
    const sameData = this.epoch === window.epoch;
    this.epoch = window.epoch;
    for (const reader of this.readers) {
      if (reader.cursor === null) continue;
      // A reader the window cannot continue exactly (Redis lost its data or trimmed past it, or
      // more than the replay limit arrived while the node was cut off) is told so, as a resuming
      // client would be, and then gets the window: the newest replay limit's worth, as on a start.
      if (!sameData || reader.cursor < window.floorSeq) {
        reader.queue.push(noticeFor(window, now));
        reader.cursor = -1;
      }
      for (const entry of window.retained) this.deliver(reader, entry);
      reader.cursor = Math.max(reader.cursor, headSeq(window));
    }
  }

  private catchUpWatchers(snapshot: PresenceSnapshot): void {
    const view = this.view;
    if (view === null) return;
    const now = new Set(snapshot.members);
    const deltas: PresenceDelta[] = [];
    for (const username of view.members) if (!now.has(username)) deltas.push({ type: "leave", roomId: this.roomId, username });
    for (const username of now) if (!view.members.has(username)) deltas.push({ type: "join", roomId: this.roomId, username });
    for (const watcher of this.watchers) {
      if (watcher.version === null) continue;
      for (const delta of deltas) watcher.queue.push(delta);
      watcher.version = snapshot.version;
    }
    this.view = { members: now, version: snapshot.version };
  }

  private dispatch(announcement: Announcement): void {
    if (announcement.type === "message") {
      for (const reader of this.readers) this.deliver(reader, announcement.entry);
      return;
    }
    this.updateView(announcement);
    for (const watcher of this.watchers) this.dispatchTo(watcher, announcement);
  }

  private updateView(announcement: Announcement): void {
    if (announcement.type !== "presence" || this.view === null || announcement.version <= this.view.version) return;
    const { delta } = announcement;
    if (delta.type === "join") this.view.members.add(delta.username);
    if (delta.type === "leave") this.view.members.delete(delta.username);
    this.view.version = announcement.version;
  }

  private dispatchTo(watcher: PresenceWatcher, announcement: Announcement): void {
    if (watcher.version === null) {
      watcher.pending.push(announcement);
    } else if (announcement.type === "typing") {
      watcher.queue.push(announcement.delta);
    } else if (announcement.type === "presence" && announcement.version > watcher.version) {
      watcher.queue.push(announcement.delta);
      watcher.version = announcement.version;
    }
  }

  /** Gives `reader` the event unless it already has it. */
  private deliver(reader: MessageReader, entry: SequencedEvent): void {
    if (reader.cursor === null) {
      reader.pending.push(entry);
    } else if (entry.seq > reader.cursor) {
      reader.queue.push(entry.event);
      reader.cursor = entry.seq;
    }
  }

  /**
   * `m<id>\n<body>`, `u<id>\n<target>\n<sent at>\n<state body>`, `p<version>\n<j|l><username>`
   * or `t<username>`, as the scripts publish them.
   */
  private decode(payload: string): Announcement | null {
    const rest = payload.slice(1);
    switch (payload[0]) {
      case "m":
        return this.sequenced(decodeIdAndBody(this.roomId, rest));
      case "u": {
        const [id = "", target = "", sentAt = ""] = rest.split("\n", 3);
        const body = rest.slice(id.length + target.length + sentAt.length + 3);
        return this.sequenced(decodeUpdate(this.roomId, id, target, Number(sentAt), body));
      }
      case "p": {
        const newline = rest.indexOf("\n");
        return decodePresenceChange(this.roomId, Number(rest.slice(0, newline)), rest.slice(newline + 1));
      }
      case "t":
        return { type: "typing", delta: { type: "typing", roomId: this.roomId, username: rest } };
      default:
        return null;
    }
  }

  /** A message or update announced live, placed by its id; `null` for an id this broker does not make. */
  private sequenced(event: ChatEvent): Announcement | null {
    const position = parsePosition(event.id);
    return position === null ? null : { type: "message", entry: { seq: position.seq, event } };
  }
}
