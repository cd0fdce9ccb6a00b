/**
 * One connection's identity at work: which names it may use, which private rooms it may read
 * and join, and the invites it makes. Checked once per join, read or invite, never per message:
 * a session remembers the rooms it joined and the names it holds.
 */
import { randomBytes } from "node:crypto";
import type { InviteResult, RoomId } from "../schema.js";
import type { AccessStore } from "./access-store.js";
import type { Clock } from "./clock.js";
import { ChatError } from "./errors.js";
import { hashed, type Identity } from "./identity.js";
import { nameKey } from "./name-key.js";

/** How long an invite lets people in. */
export const INVITE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** How long a name stays held when its holder does not use it, unless a server says otherwise (`NAME_CLAIM_TTL_DAYS`). */
export const DEFAULT_NAME_CLAIM_TTL_MS = 30 * 24 * 60 * 60 * 1000;

/** How a join asks to enter a room. */
export interface EnterOptions {
  /** Make the room private, when it does not exist yet. */
  private?: boolean;
  /** An invite from `createInvite`, for a private room. */
  invite?: string;
}

/** The refusal of a private room to someone who is not its member. */
function privateRoom(): ChatError {
  return new ChatError("PRIVATE_ROOM", "This room is private; ask a member for an invite link.");
}

/** A connection's access: its identity, over the server's `AccessStore`. */
export class AccessControl {
  /**
   * The keys of the names a connection without an identity claimed, to release when it closes;
   * null until it claims one, and always for an identity, whose claims outlive the connection.
   */
  private held: string[] | null = null;

  constructor(
    readonly identity: Identity,
    private readonly store: AccessStore,
    private readonly clock: Clock,
    private readonly nameClaimTtlMs: number,
  ) {}

  /**
   * Holds `username` for this identity, or refuses: a name belongs to whoever used it first,
   * until they leave it unused for the claim's time; a signed-in person takes their own name
   * from anyone, and may use no other. A connection without an identity holds its names until
   * `releaseNames`. Claimed at every join of a room, never taken on trust from an earlier one: a
   * signed-in person may have taken the name since.
   */
  async holdName(username: string): Promise<void> {
    const { identity } = this;
    const key = nameKey(username);
    if (identity.kind === "signed-in" && key !== nameKey(identity.name)) {
      throw new ChatError("NOT_YOUR_NAME", `You are signed in as ${identity.name}; join under that name.`);
    }
    const now = this.clock.now();
    const until = identity.kind === "connection" ? null : now + this.nameClaimTtlMs;
    if (!(await this.store.claimName(key, identity.id, until, now, identity.kind === "signed-in"))) {
      throw new ChatError("NAME_TAKEN", `The name ${username} is taken; pick another.`);
    }
    if (until === null) this.hold(key);
  }

  /**
   * Remembers a name this connection holds until it closes. A connection uses a name or two, so
   * a list made with its first one (a literal: `push` onto `[]` reserves seventeen slots) is
   * smaller than a Set.
   */
  private hold(key: string): void {
    if (this.held === null) this.held = [key];
    else if (!this.held.includes(key)) this.held.push(key);
  }

  /** Lets go of the names a connection without an identity holds: what its closing means. */
  async releaseNames(): Promise<void> {
    const keys = this.held ?? [];
    this.held = null;
    await Promise.all(keys.map((key) => this.store.releaseName(key, this.identity.id)));
  }

  /**
   * Lets this identity into `roomId`, or refuses, and says whether the room is private. A
   * private room admits its members, and whoever brings one of its live invites (who is a member
   * from then on); `private: true` makes a room private when `roomExists` says it does not exist yet.
   */
  async enter(roomId: RoomId, options: EnterOptions, roomExists: () => Promise<boolean>): Promise<boolean> {
    const { id } = this.identity;
    const access = await this.store.roomAccess(roomId, id);
    if (access.private) {
      if (access.member) return true;
      if (options.invite === undefined) throw privateRoom();
      if (await this.store.redeemInvite(roomId, hashed(options.invite), id, this.clock.now())) return true;
      throw new ChatError("PRIVATE_ROOM", "This invite link has expired or was revoked; ask a member for a new one.");
    }
    if (options.private !== true) return false;
    if (await roomExists()) {
      throw new ChatError("ROOM_EXISTS", `The room ${roomId} already exists and is open to everyone; pick another name for a private room.`);
    }
    // Someone else may have made it private in between: then it is theirs, and closed to us.
    if (await this.store.makePrivate(roomId, id)) return true;
    throw privateRoom();
  }

  /** Refuses to let this identity read a private room it is not a member of. */
  async checkReadable(roomId: RoomId): Promise<void> {
    const access = await this.store.roomAccess(roomId, this.identity.id);
    if (access.private && !access.member) throw privateRoom();
  }

  /** A new invite to a private room this identity is a member of. */
  async createInvite(roomId: RoomId): Promise<InviteResult> {
    await this.checkMember(roomId);
    const invite = randomBytes(16).toString("base64url");
    const expiresAt = this.clock.now() + INVITE_TTL_MS;
    await this.store.addInvite(roomId, hashed(invite), expiresAt);
    return { invite, expiresAt: new Date(expiresAt) };
  }

  /** Makes every invite of a private room this identity is a member of stop working. */
  async revokeInvites(roomId: RoomId): Promise<void> {
    await this.checkMember(roomId);
    await this.store.revokeInvites(roomId);
  }

  /** The private rooms this identity may see. */
  privateRooms(): Promise<RoomId[]> {
    return this.store.privateRoomsOf(this.identity.id);
  }

  /** Refuses an invite action on a room that is open to all, or private and not this identity's. */
  private async checkMember(roomId: RoomId): Promise<void> {
    const access = await this.store.roomAccess(roomId, this.identity.id);
    if (!access.private) throw new ChatError("NOT_PRIVATE", `${roomId} is open to everyone: share its name, no invite is needed.`);
    if (!access.member) throw privateRoom();
  }
}
