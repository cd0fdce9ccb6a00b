/**
 * One measured phase of sending, shared by scenarios a, b and e: every client sends (e: and
 * reacts) at a rate for a while, the bench waits for the deliveries in flight, and reads what the
 * server's CPU and the clients' clocks say about it.
 */
import type { LoadPool } from "../load/pool.js";
import { cpuMicros } from "../proc-stats.js";
import { type Latency, latencyOf } from "../stats.js";

/** How often the bench asks the workers whether the deliveries have all arrived. */
const POLL_MS = 50;

/** What one phase measured. */
export interface PhaseResult {
  /** Messages (and reactions) a second per client that was asked for. */
  ratePerClient: number;
  /** Messages sent. */
  sent: number;
  /** Reactions sent (0 but in scenario e), each one update to every member of its room. */
  reactions: number;
  /** Deliveries due: each message and each reaction's update times the members of its room (the sender included). */
  expected: number;
  /** Deliveries (messages and updates) that arrived before the drain deadline. */
  received: number;
  deliveryRatio: number;
  /** Deliveries received per second of sending. */
  deliveriesPerSec: number;
  /** From each message's send to each of its deliveries (updates are not in it: see `reactionLatencyMs`). */
  latencyMs: Latency;
  /** From each reaction to its update's arrival at the member that reacted; NaN without reactions. */
  reactionLatencyMs: Latency;
  /** The server's CPU time from the first send to the last delivery (or the deadline), per delivery. */
  cpuMicrosPerDelivery: number;
  /** The server's CPU use over the phase, in % of one core. */
  serverCpuPercent: number;
  /** The load workers' CPU use over the phase, in % of one core: near 100 per worker, the load generator was the limit. */
  loadCpuPercent: number;
  /** Refused calls or socket errors seen by the clients. */
  errors: number;
  firstError: string | null;
}

/** The pool and server a phase runs against. */
export interface PhaseTarget {
  pool: LoadPool;
  serverPid: number;
  /** Members of each room (all subscribed). */
  members: Record<string, number>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const total = (perRoom: Record<string, number>): number => Object.values(perRoom).reduce((sum, count) => sum + count, 0);

/**
 * Runs one phase: sends at `ratePerClient` for `durationMs`, every `reactEvery`th send of each
 * client a reaction (0: none), then waits up to `drainMs` for the rest.
 */
export async function runPhase(target: PhaseTarget, phase: number, ratePerClient: number, durationMs: number, drainMs: number, reactEvery = 0): Promise<PhaseResult> {
  const { pool, serverPid, members } = target;
  const cpuBefore = cpuMicros(serverPid);
  const loadBefore = pool.cpuMicros();
  const started = performance.now();
  const { sent: sentPerRoom, reactions: reactionsPerRoom } = await pool.send(phase, ratePerClient, durationMs, reactEvery);
  const due = (perRoom: Record<string, number>): number => Object.entries(perRoom).reduce((sum, [room, count]) => sum + count * (members[room] ?? 0), 0);
  const expected = due(sentPerRoom) + due(reactionsPerRoom);
  const deadline = performance.now() + drainMs;
  while (performance.now() < deadline && (await pool.collect(phase, false)).received < expected) await sleep(POLL_MS);
  const serverMicros = cpuMicros(serverPid) - cpuBefore;
  const loadMicros = pool.cpuMicros() - loadBefore;
  const elapsedMicros = (performance.now() - started) * 1000;
  const collected = await pool.collect(phase, true);
  return {
    ratePerClient,
    sent: total(sentPerRoom),
    reactions: total(reactionsPerRoom),
    expected,
    received: collected.received,
    deliveryRatio: expected > 0 ? collected.received / expected : Number.NaN,
    deliveriesPerSec: collected.received / (durationMs / 1000),
    latencyMs: latencyOf(collected.latenciesMs),
    reactionLatencyMs: latencyOf(collected.reactionLatenciesMs),
    cpuMicrosPerDelivery: collected.received > 0 ? serverMicros / collected.received : Number.NaN,
    serverCpuPercent: (100 * serverMicros) / elapsedMicros,
    loadCpuPercent: (100 * loadMicros) / elapsedMicros,
    errors: collected.errors,
    firstError: collected.firstError,
  };
}
