/**
 * Which broker a server runs on (`STORE`): SQLite in `DATA_DIR` by default, so a single server
 * keeps what was said across restarts; the in-memory one for tests and benchmarks; the Redis
 * broker when `REDIS_URL` is set, so that several nodes share rooms (docs/scaling.md).
 */
import { type ChatBroker, type Clock, MemoryBroker } from "@chat/api";
import { RedisBroker } from "@chat/redis-broker";
import { SqliteBroker } from "@chat/sqlite-broker";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";

/** A day in milliseconds, for `ROOM_TTL_DAYS`. */
const DAY_MS = 24 * 60 * 60 * 1000;

/** What a broker is built with besides the config. */
export interface BrokerDeps {
  clock: Clock;
  /** Gets the startup line naming the broker, and the Redis broker's connection events. */
  logger: Logger;
  /** Told of each Redis call, for metrics (`RedisBrokerOptions.onCall`). */
  onRedisCall?: (seconds: number, failed: boolean) => void;
}

/** Builds the broker `config` asks for and logs one `broker` line saying which (never a password). */
export function createBroker(config: Config, { clock, logger, onRedisCall }: BrokerDeps): ChatBroker {
  if (config.STORE === "sqlite") {
    const retentionMs = config.HISTORY_RETENTION_DAYS === undefined ? undefined : config.HISTORY_RETENTION_DAYS * DAY_MS;
    // Opened before the line is logged: a DATA_DIR that cannot hold the database stops the start.
    const broker = new SqliteBroker({ dataDir: config.DATA_DIR, retentionMs, clock });
    logger.info("broker", { kind: "sqlite", dataDir: config.DATA_DIR, retentionDays: config.HISTORY_RETENTION_DAYS ?? null });
    return broker;
  }
  if (config.REDIS_URL === undefined) {
    const memory = { historySize: config.HISTORY_SIZE, maxRooms: config.MAX_ROOMS, historyMaxBytes: config.HISTORY_MAX_BYTES };
    logger.info("broker", { kind: "memory", ...memory });
    return new MemoryBroker({ clock, ...memory });
  }
  logger.info("broker", {
    kind: "redis",
    url: withoutPassword(config.REDIS_URL),
    keyPrefix: config.REDIS_KEY_PREFIX,
    historySize: config.HISTORY_SIZE,
    presenceTtlMs: config.PRESENCE_TTL_MS,
    presenceRefreshMs: config.PRESENCE_REFRESH_MS,
    roomTtlMs: config.ROOM_TTL_DAYS * DAY_MS,
  });
  // The broker connects in the background: a Redis that is down at start shows in /healthz
  // instead of stopping the node, which then serves as soon as Redis is back.
  return new RedisBroker({
    url: config.REDIS_URL,
    keyPrefix: config.REDIS_KEY_PREFIX,
    historySize: config.HISTORY_SIZE,
    presenceTtlMs: config.PRESENCE_TTL_MS,
    presenceRefreshMs: config.PRESENCE_REFRESH_MS,
    roomTtlMs: config.ROOM_TTL_DAYS * DAY_MS,
    clock,
    logger,
    onCall: onRedisCall,
  });
}

/** `url` with its password, if any, shown as `***`: logs are read by more people than the secret is meant for. */
function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password === "") return url;
  parsed.password = "***";
  return parsed.href;
}
