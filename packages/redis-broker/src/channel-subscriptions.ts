/**
 * Which rooms' channels this node's subscriber connection has subscribed to, and which of those
 * subscriptions Redis has confirmed since the connection last (re)connected. A stream start needs
 * the confirmation: only from then on does the channel carry everything the room announces.
 */
import type { Redis } from "ioredis";
import type { RoomId } from "@chat/api/schema";
import type { RedisKeys } from "./redis-keys.js";

/** The room channels of one subscriber connection. */
export class ChannelSubscriptions {
  /** Subscriptions asked for (confirmed or being confirmed), by room. */
  private readonly asked = new Map<RoomId, Promise<unknown>>();
  private readonly confirmed = new Set<RoomId>();
  /** Counts losses of the connection: a confirmation from an older one no longer holds. */
  private generation = 0;

  constructor(
    private readonly subscriber: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** Subscribes to the room's channel once; resolves when Redis confirms, rejects if it failed. */
  subscribe(roomId: RoomId): Promise<unknown> {
    const found = this.asked.get(roomId);
    if (found !== undefined) return found;
    const generation = this.generation;
    const pending = this.subscriber.subscribe(this.keys.channel(roomId));
    pending.then(
      () => {
        if (this.asked.get(roomId) === pending && generation === this.generation) this.confirmed.add(roomId);
      },
      // A failed subscribe is asked again by the next stream start.
      () => {
        if (this.asked.get(roomId) === pending) this.asked.delete(roomId);
      },
    );
    this.asked.set(roomId, pending);
    return pending;
  }

  /** Whether Redis confirmed the room's subscription on the current connection. */
  isConfirmed(roomId: RoomId): boolean {
    return this.confirmed.has(roomId);
  }

  /** Resolves once the room's subscription, if one was asked for, is confirmed or has failed. */
  async settled(roomId: RoomId): Promise<void> {
    await this.asked.get(roomId)?.catch(() => undefined);
  }

  /** After a reconnect: subscribes to all of `roomIds` again and resolves once Redis confirmed them. */
  async resubscribe(roomIds: readonly RoomId[]): Promise<void> {
    if (roomIds.length > 0) await this.subscriber.subscribe(...roomIds.map((roomId) => this.keys.channel(roomId)));
    for (const roomId of roomIds) this.confirmed.add(roomId);
  }

  /** Nobody here reads the room any more. */
  unsubscribe(roomId: RoomId): void {
    this.asked.delete(roomId);
    this.confirmed.delete(roomId);
    // Sent on the same connection as any later SUBSCRIBE of the room, so the two stay in order.
    this.subscriber.unsubscribe(this.keys.channel(roomId)).catch(() => {});
  }

  /** The connection was lost: no subscription counts as confirmed until `resubscribe`. */
  lost(): void {
    this.generation++;
    this.confirmed.clear();
  }
}
