/**
 * Scenario d, join storm: 1,000 clients connect, join one of 10 rooms and subscribe, as fast as
 * the server lets them. The figure is the time from the first connect until the last client is
 * live; each join is announced to everyone already in its room, so it grows with the room.
 */
import { cpuMicros } from "../proc-stats.js";
import type { TargetName } from "../targets.js";
import { TARGET_PROTOCOLS } from "../targets.js";
import { endpointOf } from "../load/client.js";
import { roomClients, type ScenarioContext, withTarget } from "./context.js";

/** Scenario d's figures. */
export interface JoinStormResult {
  clients: number;
  live: number;
  failed: number;
  /** From the first connect until every client was live (or had failed). */
  seconds: number;
  /** The server's CPU time over the storm, in seconds. */
  serverCpuSeconds: number;
  /** The load workers' CPU time over the storm, in seconds: near `seconds`, the load generator was the limit. */
  loadCpuSeconds: number;
  firstError: string | null;
}

/** Runs scenario d against a fresh `name`. */
export function runJoinStorm(context: ScenarioContext, name: TargetName): Promise<JoinStormResult> {
  const params = context.options.joinStorm;
  return withTarget(context, name, async (target) => {
    const clients = roomClients(params.rooms, Math.ceil(params.clients / params.rooms)).slice(0, params.clients);
    const protocol = TARGET_PROTOCOLS[name];
    const cpuBefore = cpuMicros(target.pid);
    const loadBefore = context.pool.cpuMicros();
    const started = performance.now();
    const outcome = await context.pool.connect(protocol, endpointOf(protocol, target.origin), clients, params.concurrency, params.liveTimeoutMs);
    const seconds = (performance.now() - started) / 1000;
    return {
      clients: clients.length,
      live: outcome.live,
      failed: outcome.failed,
      // A storm where some clients never got in did not finish: no time to report.
      seconds: outcome.failed === 0 ? seconds : Number.NaN,
      serverCpuSeconds: (cpuMicros(target.pid) - cpuBefore) / 1_000_000,
      loadCpuSeconds: (context.pool.cpuMicros() - loadBefore) / 1_000_000,
      firstError: outcome.firstError,
    };
  });
}
