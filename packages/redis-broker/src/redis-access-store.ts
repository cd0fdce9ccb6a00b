/**
 * Names and private rooms in Redis, shared by every node (docs/scaling.md, "Names and private
 * rooms"). Every check-and-change is one Lua script (`redis-access-scripts.ts`), so of two nodes
 * claiming one name or making one room private at once exactly one wins. A claim with a time
 * lapses in Redis by itself; a hold until release lives under the node's lease (`NodeLease`), so
 * the names of a node that dies free themselves within `presenceTtlMs`.
 */
import type { Redis } from "ioredis";
import type { AccessStore, RoomAccess } from "@chat/api";
import type { RoomId } from "@chat/api/schema";
import type { NodeLease } from "./node-lease.js";
import type { CallRunner } from "./redis-errors.js";
import type { RedisKeys } from "./redis-keys.js";
import type { ChatScripts } from "./redis-scripts.js";

/** The `AccessStore` of the Redis broker: one store for every node on the same Redis and key prefix. */
export class RedisAccessStore implements AccessStore {
  constructor(
    /** The broker's command connection, with the scripts. */
    private readonly commands: Redis & ChatScripts,
    private readonly keys: RedisKeys,
    /** The node's lease, which keeps the holds until release alive. */
    private readonly lease: NodeLease,
    /** How long a hold until release lives without a renewal: the lease's TTL. */
    private readonly holdTtlMs: number,
    /** The broker's call runner: Redis being away is `UNAVAILABLE`, as for every other call. */
    private readonly call: CallRunner,
  ) {}

  async claimName(key: string, holder: string, until: number | null, now: number, force: boolean): Promise<boolean> {
    const { prefix } = this.keys;
    const claimed = await this.call(() => this.commands.chatNameClaim(prefix, key, holder, until ?? "", now, force ? 1 : 0, this.holdTtlMs));
    if (claimed !== 1) return false;
    if (until === null) this.lease.keepHold(key, holder);
    else this.lease.forgetHold(key, holder);
    return true;
  }

  async releaseName(key: string, holder: string): Promise<void> {
    this.lease.forgetHold(key, holder);
    await this.call(() => this.commands.chatNameRelease(this.keys.prefix, key, holder));
  }

  async roomAccess(roomId: RoomId, identity: string): Promise<RoomAccess> {
    const [isPrivate, isMember] = await this.call(() => this.commands.chatRoomAccess(this.keys.prefix, roomId, identity));
    return { private: isPrivate === 1, member: isMember === 1 };
  }

  async makePrivate(roomId: RoomId, identity: string): Promise<boolean> {
    return (await this.call(() => this.commands.chatMakePrivate(this.keys.prefix, roomId, identity))) === 1;
  }

  async addInvite(roomId: RoomId, inviteHash: string, expiresAt: number): Promise<void> {
    await this.call(() => this.commands.chatAddInvite(this.keys.prefix, roomId, inviteHash, expiresAt));
  }

  async redeemInvite(roomId: RoomId, inviteHash: string, identity: string, now: number): Promise<boolean> {
    return (await this.call(() => this.commands.chatRedeemInvite(this.keys.prefix, roomId, inviteHash, identity, now))) === 1;
  }

  async revokeInvites(roomId: RoomId): Promise<void> {
    await this.call(() => this.commands.del(this.keys.invites(roomId)));
  }

  privateRoomsOf(identity: string): Promise<RoomId[]> {
    return this.call(() => this.commands.smembers(this.keys.memberOf(identity)));
  }

  async privateAmong(roomIds: readonly RoomId[]): Promise<Set<RoomId>> {
    if (roomIds.length === 0) return new Set();
    const flags = await this.call(() => this.commands.smismember(this.keys.privateRooms, ...roomIds));
    return new Set(roomIds.filter((_, index) => flags[index] === 1));
  }
}
