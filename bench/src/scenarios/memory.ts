/**
 * Scenario c, memory: 5,000 idle connections, each joined to one of 50 rooms and subscribed (ours:
 * `onMessage` and `onPresence`, as the web app does). The figure is the server's RSS growth per
 * connection: (RSS after − RSS before) ÷ connections, from `/proc/<pid>/status`.
 */
import { rssKiB } from "../proc-stats.js";
import type { TargetName } from "../targets.js";
import { TARGET_PROTOCOLS } from "../targets.js";
import { endpointOf } from "../load/client.js";
import { roomClients, type ScenarioContext, withTarget } from "./context.js";

/** Scenario c's figures. */
export interface MemoryResult {
  connections: number;
  live: number;
  rssBeforeKiB: number;
  rssAfterKiB: number;
  kibPerConnection: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs scenario c against a fresh `name`. */
export function runMemory(context: ScenarioContext, name: TargetName): Promise<MemoryResult> {
  const params = context.options.memory;
  return withTarget(context, name, async (target) => {
    // Start-up allocation settles first, so "before" is the idle server.
    await sleep(params.settleMs);
    const rssBeforeKiB = rssKiB(target.pid);
    const clients = roomClients(params.rooms, Math.ceil(params.connections / params.rooms)).slice(0, params.connections);
    const protocol = TARGET_PROTOCOLS[name];
    const outcome = await context.pool.connect(protocol, endpointOf(protocol, target.origin), clients, 100);
    if (outcome.failed > 0) context.log(`  c ${name}: ${outcome.failed} connections failed (${outcome.firstError ?? ""})`);
    await sleep(params.settleMs);
    const rssAfterKiB = rssKiB(target.pid);
    return {
      connections: clients.length,
      live: outcome.live,
      rssBeforeKiB,
      rssAfterKiB,
      kibPerConnection: outcome.live > 0 ? (rssAfterKiB - rssBeforeKiB) / outcome.live : Number.NaN,
    };
  });
}
