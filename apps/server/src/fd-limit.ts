/**
 * The process's budget of file descriptors. Every open socket holds one, and once the soft
 * `RLIMIT_NOFILE` is reached `accept` fails with EMFILE for everyone: honest clients, `/healthz`,
 * the static files and Redis alike, while Node reports it only as an `error` on the server.
 * Knowing the limit lets the server refuse new sockets with a 503 while it still has descriptors
 * to answer with (`HttpGuard`).
 */
import { readdirSync, readFileSync } from "node:fs";

/** Descriptors always left free for what is not a client socket: files served, Redis, DNS, logs. */
const MIN_HEADROOM = 64;
/** The share of the limit left free, when that is more than `MIN_HEADROOM`. */
const HEADROOM_SHARE = 0.1;

/** The soft limit of a `/proc/<pid>/limits` text's "Max open files" row, or null when it is missing or unlimited. */
export function parseOpenFileLimit(limits: string): number | null {
  const row = /^Max open files\s+(\S+)/m.exec(limits);
  const soft = row?.[1];
  if (soft === undefined || !/^\d+$/.test(soft)) return null;
  return Number(soft);
}

/** This process's soft limit on open files, from `/proc/self/limits`; null where there is none to read (not Linux). */
export function openFileLimit(): number | null {
  try {
    return parseOpenFileLimit(readFileSync("/proc/self/limits", "utf8"));
  } catch {
    return null;
  }
}

/** Descriptors this process holds now (`/proc/self/fd`, less the one reading it), or 0 where that cannot be read. */
export function openFileCount(): number {
  try {
    return Math.max(0, readdirSync("/proc/self/fd").length - 1);
  } catch {
    return 0;
  }
}

/**
 * How many client sockets may be open at once under a soft limit of `limit` descriptors when
 * `inUse` are held already: what is free, less a headroom of a tenth of the limit (at least 64, at
 * most half of what is free), so that the refusals themselves, files and Redis always find one.
 */
export function socketCeiling(limit: number, inUse: number): number {
  const free = Math.max(0, limit - inUse);
  const headroom = Math.min(Math.max(MIN_HEADROOM, Math.ceil(limit * HEADROOM_SHARE)), Math.floor(free / 2));
  return free - headroom;
}

/**
 * How many sockets one client address may hold when `MAX_HTTP_CONNECTIONS_PER_IP` is not set: a
 * quarter of the descriptor limit, so one address (a slowloris) can never take them all, and at
 * least 256; 1,024 where the limit cannot be read. With Debian's default soft limit of 1,024 that
 * is 256; a server raised to hold an office of hundreds behind one NAT address gets more with it.
 */
export function socketsPerAddressDefault(limit: number | null): number {
  return limit === null ? 1024 : Math.max(256, Math.floor(limit / 4));
}
