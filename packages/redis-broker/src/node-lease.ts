/**
 * This node's lease in Redis and the memberships it holds under it (docs/scaling.md, "Presence
 * across nodes"). Every `presenceRefreshMs` the node renews its lease, puts its memberships back
 * if another node swept them meanwhile, completes leaves that failed while Redis was away, sweeps
 * the memberships of nodes whose lease ran out, and PINGs Redis so that a frozen Redis shows in
 * `health()`. Now and then it also keeps alive the keys of the rooms it still holds or reads, so
 * that only rooms nobody uses expire. The names its connections hold until release live under the
 * lease too (docs/scaling.md, "Names and private rooms"): each is a key with the lease's TTL that
 * every renewal extends, so the holds of a node that dies lapse on their own.
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
/** Name holds one script call renews or releases, for the same reason. */
const HOLD_BATCH = 100;

/** A membership as Redis holds it: JSON `[room, username, holder]`, which the sweep script decodes. */
type MembershipKey = string;
/** A hold until release as the node keeps it: JSON `[name key, holder]`. */
type HoldKey = string;

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
  /** Names this node's connections hold until they release them, renewed with the lease. */
  private readonly holds = new Set<HoldKey>();
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

  /** Renews `holder`'s hold on name `key` with the lease from now on: the hold lasts as long as this node, or until `forgetHold`. */
  keepHold(key: string, holder: string): void {
    this.holds.add(JSON.stringify([key, holder]));
  }

  /** Stops renewing a hold: called before its release is sent, so that no renewal sent after it puts it back. */
  forgetHold(key: string, holder: string): void {
    this.holds.delete(JSON.stringify([key, holder]));
  }

  /**
   * Releases every hold this node keeps, for a closing node, whose connections are all gone: one
   * that reconnects elsewhere has a new identity and would be refused its own name until the
   * lease ran out. Stops at the first failure, since what is left lapses with the lease anyway.
   */
  async releaseHolds(): Promise<void> {
    const holds = Array.from(this.holds, parseHold);
    this.holds.clear();
    try {
      for (let index = 0; index < holds.length; index += HOLD_BATCH) {
        await this.commands.chatNameRelease(this.settings.prefix, ...holds.slice(index, index + HOLD_BATCH).flat());
      }
    } catch (error) {
      if (!isUnavailable(storeUnavailable(error))) this.logger.error("redis_holds_release_failed", { error });
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
   * Renews the lease and the holds, restores the memberships if another node swept them
   * meanwhile, completes leaves that failed, and sweeps the memberships of nodes whose lease ran out.
   */
  private async renew(): Promise<void> {
    const { prefix, presenceTtlMs, roomTtlMs } = this.settings;
    const lost = (await this.watched(this.commands.chatRenew(prefix, this.nodeId, presenceTtlMs))) === 1;
    await this.renewHolds();
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

  /** Extends every hold this node keeps by the lease's TTL, and forgets those another holder took. */
  private async renewHolds(): Promise<void> {
    const { prefix, presenceTtlMs } = this.settings;
    const holds = Array.from(this.holds);
    for (let index = 0; index < holds.length; index += HOLD_BATCH) {
      // Only those still kept as the batch is sent: a release sent before it stays released.
      const batch = holds.slice(index, index + HOLD_BATCH).filter((hold) => this.holds.has(hold));
      if (batch.length === 0) continue;
      const taken = await this.watched(this.commands.chatNameRenew(prefix, presenceTtlMs, ...batch.flatMap(parseHold)));
      if (taken.length === 0) continue;
      // Its lease ran out while it was cut off, and someone took the name: its connection keeps
      // the name it already uses, but the store no longer says it is theirs.
      this.logger.warn("redis_name_holds_taken", { nodeId: this.nodeId, holds: taken.length });
      for (const position of taken) {
        const hold = batch[position - 1];
        if (hold !== undefined) this.holds.delete(hold);
      }
    }
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

/** A hold's name key and holder, as the scripts take them. */
function parseHold(hold: HoldKey): [key: string, holder: string] {
  return JSON.parse(hold) as [string, string];
}
