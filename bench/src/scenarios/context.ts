/**
 * What every scenario shares: the load pool, the options, a fresh target per measurement, and
 * the clients' rooms and names.
 */
import type { ClientSpec } from "../load/commands.js";
import type { LoadPool } from "../load/pool.js";
import type { BenchOptions } from "../options.js";
import { type RunningTarget, startTarget, TARGET_PROTOCOLS, type TargetName } from "../targets.js";
import { endpointOf } from "../load/client.js";

/** Handed to every scenario. */
export interface ScenarioContext {
  readonly pool: LoadPool;
  readonly options: BenchOptions;
  /** A phase number never used before in this bench, so no late delivery is counted twice. */
  nextPhase(): number;
  /** Progress on stderr (the table goes to stdout). */
  log(line: string): void;
}

/**
 * `rooms` rooms of `perRoom` members each, members of a room next to each other. Every member
 * has a name of its own: names are held server-wide (issue 15), so u0 of two rooms would be
 * one person, which two bench connections without an identity cannot be.
 */
export function roomClients(rooms: number, perRoom: number): ClientSpec[] {
  return Array.from({ length: rooms * perRoom }, (_, index) => ({
    roomId: `bench-${Math.floor(index / perRoom)}`,
    username: `u${index}`,
  }));
}

/** Members per room of `clients`. */
export function membersOf(clients: ClientSpec[]): Record<string, number> {
  const members: Record<string, number> = {};
  for (const { roomId } of clients) members[roomId] = (members[roomId] ?? 0) + 1;
  return members;
}

/** Starts `name` fresh, runs `body` against it, and always closes the clients and stops the server. */
export async function withTarget<T>(context: ScenarioContext, name: TargetName, body: (target: RunningTarget) => Promise<T>): Promise<T> {
  const oursNodeFlags = context.options.profileDir ? ["--cpu-prof", "--cpu-prof-dir", context.options.profileDir] : [];
  const target = await startTarget(name, { oursNodeFlags });
  try {
    return await body(target);
  } finally {
    await context.pool.closeClients().catch(() => {});
    await target.stop();
  }
}

/** Opens `clients` against `target`; throws unless every one became live (scenarios a and b need them all). */
export async function connectAll(context: ScenarioContext, target: RunningTarget, clients: ClientSpec[], concurrency: number): Promise<void> {
  const url = endpointOf(TARGET_PROTOCOLS[target.name], target.origin);
  const outcome = await context.pool.connect(TARGET_PROTOCOLS[target.name], url, clients, concurrency);
  if (outcome.failed > 0) throw new Error(`${target.name}: ${outcome.failed} of ${clients.length} clients failed to join (${outcome.firstError ?? "no error"})`);
}
