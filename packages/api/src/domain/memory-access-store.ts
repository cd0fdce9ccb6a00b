import type { RoomId } from "../schema.js";
import { type AccessStore, INVITES_PER_ROOM_MAX, type RoomAccess } from "./access-store.js";

/** A name's holder, and when its claim lapses (`null`: when released). */
interface NameClaim {
  holder: string;
  until: number | null;
}

/** A private room's members, and its invites by hash → when each expires (oldest first). */
interface PrivateRoom {
  members: Set<string>;
  invites: Map<string, number>;
}

/** Claims kept at first; past it a claim sweeps out the lapsed ones, and the threshold doubles. */
const FIRST_SWEEP_AT = 10_000;

/** The `AccessStore` of one process, in memory: what the memory broker keeps, gone with the process. */
export class MemoryAccessStore implements AccessStore {
  private readonly names = new Map<string, NameClaim>();
  private readonly rooms = new Map<RoomId, PrivateRoom>();
  /** identity → the private rooms it is a member of. */
  private readonly memberships = new Map<string, Set<RoomId>>();
  private sweepAt = FIRST_SWEEP_AT;

  async claimName(key: string, holder: string, until: number | null, now: number, force: boolean): Promise<boolean> {
    const claim = this.names.get(key);
    if (claim !== undefined && claim.holder !== holder && !force && !lapsed(claim, now)) return false;
    this.names.set(key, { holder, until });
    if (this.names.size > this.sweepAt) this.sweep(now);
    return true;
  }

  async releaseName(key: string, holder: string): Promise<void> {
    if (this.names.get(key)?.holder === holder) this.names.delete(key);
  }

  async roomAccess(roomId: RoomId, identity: string): Promise<RoomAccess> {
    const room = this.rooms.get(roomId);
    return { private: room !== undefined, member: room?.members.has(identity) === true };
  }

  async makePrivate(roomId: RoomId, identity: string): Promise<boolean> {
    const room = this.rooms.get(roomId);
    if (room !== undefined) return room.members.has(identity);
    this.rooms.set(roomId, { members: new Set(), invites: new Map() });
    this.addMember(roomId, identity);
    return true;
  }

  async addInvite(roomId: RoomId, inviteHash: string, expiresAt: number): Promise<void> {
    const invites = this.rooms.get(roomId)?.invites;
    if (invites === undefined) return;
    invites.set(inviteHash, expiresAt);
    // A Map iterates in insertion order: the first key is the oldest invite.
    if (invites.size > INVITES_PER_ROOM_MAX) invites.delete(invites.keys().next().value as string);
  }

  async redeemInvite(roomId: RoomId, inviteHash: string, identity: string, now: number): Promise<boolean> {
    const invites = this.rooms.get(roomId)?.invites;
    const expiresAt = invites?.get(inviteHash);
    if (invites === undefined || expiresAt === undefined) return false;
    if (expiresAt <= now) {
      invites.delete(inviteHash);
      return false;
    }
    this.addMember(roomId, identity);
    return true;
  }

  async revokeInvites(roomId: RoomId): Promise<void> {
    this.rooms.get(roomId)?.invites.clear();
  }

  async privateRoomsOf(identity: string): Promise<RoomId[]> {
    return Array.from(this.memberships.get(identity) ?? []);
  }

  async privateAmong(roomIds: readonly RoomId[]): Promise<Set<RoomId>> {
    return new Set(roomIds.filter((roomId) => this.rooms.has(roomId)));
  }

  private addMember(roomId: RoomId, identity: string): void {
    this.rooms.get(roomId)?.members.add(identity);
    let rooms = this.memberships.get(identity);
    if (rooms === undefined) this.memberships.set(identity, (rooms = new Set()));
    rooms.add(roomId);
  }

  /** Forgets lapsed claims, and sweeps again only once as many more are kept. */
  private sweep(now: number): void {
    for (const [key, claim] of this.names) if (lapsed(claim, now)) this.names.delete(key);
    this.sweepAt = Math.max(FIRST_SWEEP_AT, this.names.size * 2);
  }
}

/** Whether a claim no longer holds its name at `now`; a hold until release never lapses. */
function lapsed(claim: NameClaim, now: number): boolean {
  return claim.until !== null && claim.until <= now;
}
