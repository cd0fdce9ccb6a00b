import type { RoomId } from "../schema.js";

/**
 * Live invites a room keeps: past it, adding one forgets the oldest, so a member who creates
 * invites in a loop cannot grow the store without bound (links older than the newest 100 stop working).
 */
export const INVITES_PER_ROOM_MAX = 100;

/**
 * Who holds which name, and who may read which private room: kept where the messages are (each
 * broker has one, as `ChatBroker.access`), so claims survive a restart with SQLite and hold across
 * nodes with Redis. Holders and members are identity ids (`Identity.id`); names are name keys
 * (`nameKey`), so one name however spelled is one key. The access contract suite
 * (`access-contract.ts`) states what every implementation keeps.
 */
export interface AccessStore {
  /**
   * Makes `holder` the holder of name `key` and returns true, when nobody holds it, `holder`
   * already does, or its holder's claim lapsed (`until` ≤ `now`); else returns false and changes
   * nothing. With `force`, takes it whoever holds it (a signed-in person's own name). `until` is
   * when the claim lapses unless renewed, or `null` for a hold that lasts until `releaseName`
   * (a connection without an identity): a store shared by several processes drops a process's
   * holds when the process is gone. Atomic: of two identities claiming one free key at once,
   * exactly one gets it.
   */
  claimName(key: string, holder: string, until: number | null, now: number, force: boolean): Promise<boolean>;

  /** Ends `holder`'s hold on `key`, if it has one; another holder's is left alone. */
  releaseName(key: string, holder: string): Promise<void>;

  /** Whether only members may read `roomId`, and whether `identity` is one of them. */
  roomAccess(roomId: RoomId, identity: string): Promise<RoomAccess>;

  /**
   * Makes `roomId` private with `identity` as its first member, unless the room already is:
   * true when the room is now private (made here, or already), and `identity` a member. Atomic:
   * of two identities making one room private at once, one is its first member and the other is
   * refused (false), as it is for a room that is already someone else's.
   */
  makePrivate(roomId: RoomId, identity: string): Promise<boolean>;

  /**
   * Keeps an invite to a private room (by its hash, never the invite itself) until `expiresAt`;
   * at most `INVITES_PER_ROOM_MAX` per room, the oldest forgotten past it.
   */
  addInvite(roomId: RoomId, inviteHash: string, expiresAt: number): Promise<void>;

  /**
   * Makes `identity` a member of `roomId` when `inviteHash` is one of the room's invites that has
   * not expired at `now` (an invite lets in any number of people until then); returns whether it
   * did. An identity that is already a member stays one.
   */
  redeemInvite(roomId: RoomId, inviteHash: string, identity: string, now: number): Promise<boolean>;

  /** Forgets every invite of `roomId`: links handed out no longer let anyone in; members stay. */
  revokeInvites(roomId: RoomId): Promise<void>;

  /** The private rooms `identity` is a member of. */
  privateRoomsOf(identity: string): Promise<RoomId[]>;

  /** Which of `roomIds` are private, for hiding them from `listRooms`. */
  privateAmong(roomIds: readonly RoomId[]): Promise<Set<RoomId>>;
}

/** One room's access for one identity. */
export interface RoomAccess {
  /** Only members may read and join it. */
  private: boolean;
  /** The identity is a member (always false for a room that is not private). */
  member: boolean;
}
