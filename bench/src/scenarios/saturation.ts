/**
 * Scenario b, saturation: one room of 100 members; the send rate is stepped up until fewer than
 * 99% of the deliveries arrive in time or p99 passes 250 ms. The figure is the highest step that
 * held: its deliveries a second, and the server's CPU per delivery there.
 */
import type { TargetName } from "../targets.js";
import { connectAll, membersOf, roomClients, type ScenarioContext, withTarget } from "./context.js";
import { type PhaseResult, runPhase } from "./phase.js";

/** One step, and whether it held. */
export interface SaturationStep extends PhaseResult {
  sustained: boolean;
}

/** Scenario b's figures. */
export interface SaturationResult {
  steps: SaturationStep[];
  /** The highest step that held, or null when even the first did not. */
  best: SaturationStep | null;
}

/** Runs scenario b against a fresh `name`. */
export function runSaturation(context: ScenarioContext, name: TargetName): Promise<SaturationResult> {
  const params = context.options.saturation;
  return withTarget(context, name, async (target) => {
    const clients = roomClients(1, params.members);
    await connectAll(context, target, clients, 100);
    const phaseTarget = { pool: context.pool, serverPid: target.pid, members: membersOf(clients) };
    const steps: SaturationStep[] = [];
    let best: SaturationStep | null = null;
    for (const rate of params.ratesPerMember) {
      const phase = await runPhase(phaseTarget, context.nextPhase(), rate, params.stepMs, params.drainMs);
      const sustained = phase.deliveryRatio >= params.minDeliveryRatio && phase.latencyMs.p99 <= params.maxP99Ms;
      const step = { ...phase, sustained };
      steps.push(step);
      context.log(
        `  b ${name} ${rate}/s per member: ${Math.round(phase.deliveriesPerSec)} deliveries/s, ${(phase.deliveryRatio * 100).toFixed(1)}%, p99 ${phase.latencyMs.p99.toFixed(1)} ms, server ${phase.serverCpuPercent.toFixed(0)}% load ${phase.loadCpuPercent.toFixed(0)}%${sustained ? "" : " (not sustained)"}`,
      );
      if (!sustained) break;
      best = step;
    }
    return { steps, best };
  });
}
