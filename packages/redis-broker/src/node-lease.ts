/**
 * This node's lease in Redis and the memberships it holds under it (docs/scaling.md, "Presence
 * across nodes"). Every `presenceRefreshMs` the node renews its lease, puts its memberships back
 * if another node swept them meanwhile, completes leaves that failed while Redis was away, sweeps
 * the memberships of nodes whose lease ran out, and PINGs Redis so that a frozen Redis shows in
 * `health()`. Now and then it also keeps alive the keys of the rooms it still holds or reads, so
 * that only rooms nobody uses expire.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { RoomId } from "@chat/api/schema";
import type { CommandHealth } from "./command-health.js";
import type { BrokerLogger } from "./redis-broker-options.js";
import { type CallRunner, isUnavailable, storeUnavailable } from "./redis-errors.js";
import type { ChatScripts } from "./redis-scripts.js";

/** Dead nodes swept per script call, so one call never blocks Redis for long. */
const SWEEP_BATCH = 10;
/** Rooms whose keys one script call keeps alive, for the same reason. */
const TOUCH_BATCH = 100;

/** A membership as Redis holds it: JSON `[room, username, holder]`, which the sweep script decodes. */
type MembershipKey = string;

/** What the lease needs to know of the broker's settings. */
export interface LeaseSettings {
  prefix: string;
  presenceTtlMs: number;
  presenceRefreshMs: number;
  roomTtlMs: number;
}

/** One node's lease and memberships. */
export class NodeLease {
  /** Names this node's memberships in Redis; unique per broker, so holders of two nodes never collide. */
  readonly nodeId = randomUUID();
  /** This node's memberships, renewed with its lease and restored if another node swept them. */
  private readonly memberships = new Set<MembershipKey>();
  /** Leaves that failed while Redis was away: the person meant to go, so they are completed later. */
  private readonly pendingLeaves = new Set<MembershipKey>();
  private readonly timer: NodeJS.Timeout;
  private tending = false;
  /**
   * An upkeep command failed: Redis may still have run it, or a sweep before it, without the node
   * seeing the answer (a timed-out renewal that found the lease gone, say), so the next renewal
   * puts every membership back rather than trusting its own answer alone.
   */
  private unsure = false;
  /** When the held and read rooms' keys were last kept alive (`performance.now()`), or never. */
  private lastTouch: number | null = null;
  private closed = false;

  constructor(
    private readonly commands: Redis & ChatScripts,
    private readonly settings: LeaseSettings,
    private readonly call: CallRunner,
    private readonly health: CommandHealth,
    private readonly logger: BrokerLogger,
    /** The rooms this node's streams read, whose keys live on while they are read. */
    private readonly roomsRead: () => Iterable<RoomId>,
  ) {
    this.timer = setInterval(() => void this.tend(), settings.presenceRefreshMs);
    this.timer.unref();
  }

  /** Records `username` in the room for connection `holderId`; true when that made the name present. */
  async join(roomId: RoomId, username: string, holderId: string): Promise<boolean> {
    const membership = JSON.stringify([roomId, username, holderId]);
    const { prefix, roomTtlMs } = this.settings;
    const arrived = await this.call(() => this.commands.chatJoin(prefix, roomId, username, this.nodeId, membership, roomTtlMs));
    this.memberships.add(membership);
    this.pendingLeaves.delete(membership);
    return arrived === 1;
  }

  /** Undoes `join`; a leave that fails for Redis being away is completed once it is back. */
  async leave(roomId: RoomId, username: string, holderId: string): Promise<boolean> {
    const membership = JSON.stringify([roomId, username, holderId]);
    if (!this.memberships.has(membership)) return false;
    // Forgotten before it is sent, so that a restore running meanwhile cannot put it back after it.
    this.memberships.delete(membership);
    const { prefix, roomTtlMs } = this.settings;
    try {
      const left = await this.call(() => this.commands.chatLeave(prefix, roomId, username, this.nodeId, membership, roomTtlMs));
      return left === 1;
    } catch (error) {
      this.pendingLeaves.add(membership);
      throw error;
    }
  }

  /** Stops tending; memberships are left to the lease, which other nodes sweep once it runs out. */
  close(): void {
    this.closed = true;
    clearInterval(this.timer);
  }

  /** One beat: a PING, then (unless the last beat is still at it) the lease's upkeep. */
  async tend(): Promise<void> {
    if (this.closed || this.commands.status !== "ready") return;
    // Every beat, even while the upkeep of an earlier one still waits on a frozen Redis.
    this.health.ping(this.commands.ping());
    if (this.tending) return;
    this.tending = true;
    try {
      await this.renew();
      await this.touchRooms();
    } catch (error) {
      this.unsure = true;
      if (!isUnavailable(storeUnavailable(error))) this.logger.error("redis_lease_failed", { error });
    } finally {
      this.tending = false;
    }
  }

  /**
   * Renews the lease, restores the memberships if another node swept them meanwhile, completes
   * leaves that failed, and sweeps the memberships of nodes whose lease ran out.
   */
  private async renew(): Promise<void> {
    const { prefix, presenceTtlMs, roomTtlMs } = this.settings;
    const lost = (await this.watched(this.commands.chatRenew(prefix, this.nodeId, presenceTtlMs))) === 1;
    const unsure = this.unsure;
    this.unsure = false;
    if ((lost || unsure) && this.memberships.size > 0) {
      // A join of a membership Redis still holds changes nothing, so putting them all back is safe.
      this.logger.warn("redis_lease_restored", { nodeId: this.nodeId, memberships: this.memberships.size, swept: lost });
      for (const membership of this.memberships) {
        const [roomId, username] = JSON.parse(membership) as [string, string, string];
        await this.watched(this.commands.chatJoin(prefix, roomId, username, this.nodeId, membership, roomTtlMs));
      }
    }
    for (const membership of this.pendingLeaves) {
      const [roomId, username] = JSON.parse(membership) as [string, string, string];
      await this.watched(this.commands.chatLeave(prefix, roomId, username, this.nodeId, membership, roomTtlMs));
      this.pendingLeaves.delete(membership);
    }
    while ((await this.watched(this.commands.chatSweep(prefix, SWEEP_BATCH, roomTtlMs))) === SWEEP_BATCH);
  }

  /**
   * Every quarter of the room TTL, keeps alive the keys of the rooms this node holds people in or
   * reads: a room in use never expires under a live presence stream, whose presence version must
   * never start again from 0 while it follows it.
   */
  private async touchRooms(): Promise<void> {
    const { prefix, roomTtlMs } = this.settings;
    const now = performance.now();
    if (this.lastTouch !== null && now - this.lastTouch < roomTtlMs / 4) return;
    this.lastTouch = now;
    const rooms = new Set<RoomId>(this.roomsRead());
    for (const membership of this.memberships) rooms.add((JSON.parse(membership) as [string])[0]);
    const all = [...rooms];
    for (let index = 0; index < all.length; index += TOUCH_BATCH) {
      await this.watched(this.commands.chatTouch(prefix, roomTtlMs, ...all.slice(index, index + TOUCH_BATCH)));
    }
  }

  /** A lease command, recorded in the health like every other. */
  private watched<T>(command: Promise<T>): Promise<T> {
    return this.health.watch(command);
  }
}
