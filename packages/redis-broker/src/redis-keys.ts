/**
 * Every Redis key and channel the broker uses, in one place, so the layout documented in
 * docs/scaling.md is the layout the code uses. All live under one prefix, so several chats (or
 * test runs) can share a Redis.
 */
import type { RoomId } from "@chat/api/schema";

/** What follows the prefix in each key; the Lua scripts build the same keys from these. */
export const KEY_PARTS = {
  epoch: "epoch",
  seq: "seq",
  nodes: "nodes",
  rooms: "rooms",
  stream: "stream:",
  states: "state:",
  clientId: "cid:",
  names: "names:",
  presenceVersion: "pver:",
  presenceLog: "plog:",
  holders: "holders:",
  channel: "room:",
  nameClaim: "nameclaim:",
  privateRooms: "private",
  members: "members:",
  memberOf: "memberof:",
  invites: "invites:",
} as const;

/** The names of one chat's keys and channels. */
export class RedisKeys {
  /** The dataset's epoch: set once, never expires; ids carry it, so an id from a wiped Redis is recognised. */
  readonly epoch: string;
  /** The message sequence, shared by all rooms, so ids are unique across rooms. */
  readonly seq: string;
  /** Live nodes, scored by when their lease runs out. */
  readonly nodes: string;
  /** Rooms with people in them, scored by how many. */
  readonly rooms: string;
  /** Every private room, so which of many rooms are private is one `SMISMEMBER`. */
  readonly privateRooms: string;

  constructor(readonly prefix: string) {
    this.epoch = `${prefix}${KEY_PARTS.epoch}`;
    this.seq = `${prefix}${KEY_PARTS.seq}`;
    this.nodes = `${prefix}${KEY_PARTS.nodes}`;
    this.rooms = `${prefix}${KEY_PARTS.rooms}`;
    this.privateRooms = `${prefix}${KEY_PARTS.privateRooms}`;
  }

  /** The room's history: one Redis Stream, trimmed to about the history size. */
  stream(roomId: RoomId): string {
    return `${this.prefix}${KEY_PARTS.stream}${roomId}`;
  }

  /**
   * The current state of each of the room's messages that was changed (edited, deleted, reacted
   * to), by message id: what every read shows in place of the stream entry, which cannot be
   * rewritten. Expires with the stream, and the states of messages trimmed from it are swept.
   */
  states(roomId: RoomId): string {
    return `${this.prefix}${KEY_PARTS.states}${roomId}`;
  }

  /** A sender's claim on a client message id in a room. JSON keeps author and id apart whatever they hold. */
  clientId(roomId: RoomId, username: string, clientMessageId: string): string {
    return `${this.prefix}${KEY_PARTS.clientId}${roomId}:${JSON.stringify([username, clientMessageId])}`;
  }

  /** username → how many connections hold it in the room. */
  names(roomId: RoomId): string {
    return `${this.prefix}${KEY_PARTS.names}${roomId}`;
  }

  /** Bumped by every join and leave of the room, so a snapshot and the deltas after it fit together exactly. */
  presenceVersion(roomId: RoomId): string {
    return `${this.prefix}${KEY_PARTS.presenceVersion}${roomId}`;
  }

  /**
   * The room's recent joins and leaves, a stream with the presence version as the entry id, so
   * a presence stream that read a snapshot at version v can fetch exactly what followed it.
   */
  presenceLog(roomId: RoomId): string {
    return `${this.prefix}${KEY_PARTS.presenceLog}${roomId}`;
  }

  /** The memberships a node holds, so that whoever finds the node dead can remove them. */
  holders(nodeId: string): string {
    return `${this.prefix}${KEY_PARTS.holders}${nodeId}`;
  }

  /** The room's pub/sub channel: messages, presence deltas and typing signals. */
  channel(roomId: RoomId): string {
    return `${this.prefix}${KEY_PARTS.channel}${roomId}`;
  }

  /** Who holds a name (by its name key) and until when; Redis expires it when the claim lapses. */
  nameClaim(nameKey: string): string {
    return `${this.prefix}${KEY_PARTS.nameClaim}${nameKey}`;
  }

  /** The private rooms an identity is a member of. */
  memberOf(identity: string): string {
    return `${this.prefix}${KEY_PARTS.memberOf}${identity}`;
  }

  /** A private room's invites: hash → when it expires. */
  invites(roomId: RoomId): string {
    return `${this.prefix}${KEY_PARTS.invites}${roomId}`;
  }

  /** The room a channel belongs to, or `null` for another prefix's channel. */
  roomOfChannel(channel: string): RoomId | null {
    const head = `${this.prefix}${KEY_PARTS.channel}`;
    return channel.startsWith(head) ? channel.slice(head.length) : null;
  }
}
