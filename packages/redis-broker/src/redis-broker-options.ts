import type { Clock } from "@chat/api";

/** Where a broker reports what happened to its connection, one event name and facts per line (the server passes its logger). */
export interface BrokerLogger {
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

/** Settings of the Redis broker. */
export interface RedisBrokerOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` for TLS. */
  url: string;
  /** Put before every key and channel, so several chats (or test runs) can share one Redis. @default "chat:" */
  keyPrefix?: string;
  /** Messages kept per room (the stream is trimmed to about this many). @default 1000 */
  historySize?: number;
  /** How long a node's memberships live in Redis without a refresh: a node that dies leaves its rooms after at most this plus `presenceRefreshMs`. @default 15000 */
  presenceTtlMs?: number;
  /**
   * How often a node refreshes its memberships and sweeps expired ones; also how long Redis
   * commands may keep timing out before `health()` says the broker cannot serve. @default 5000
   */
  presenceRefreshMs?: number;
  /** The most messages a stream replays when it starts, and all a start reads of the room's history. @default REPLAY_LIMIT */
  replayLimit?: number;
  /**
   * How long a room's keys outlive its last activity (a store, a join, a leave, or a node still
   * reading or holding it), so rooms nobody uses leave nothing in Redis for good. @default 30 days
   */
  roomTtlMs?: number;
  /** @default systemClock */
  clock?: Clock;
  /** @default a logger that writes nothing */
  logger?: BrokerLogger;
  /** Told of each Redis call made for a client, with how long it took and whether it failed (for metrics). @default none */
  onCall?: (seconds: number, failed: boolean) => void;
}
