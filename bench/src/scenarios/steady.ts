/**
 * Scenario a, steady: 10 rooms of 50 members, each member sending 1 message a second for 20 s,
 * 25,000 deliveries a second in all. A server that keeps up delivers everything, quickly. A short
 * warm-up at the same load comes first, unmeasured.
 */
import type { SteadyParams } from "../options.js";
import type { TargetName } from "../targets.js";
import { connectAll, membersOf, roomClients, type ScenarioContext, withTarget } from "./context.js";
import { type PhaseResult, runPhase } from "./phase.js";

/** Scenario a's figures: one phase. */
export type SteadyResult = PhaseResult;

/** The steady load of `params` against a fresh `name`, every `reactEvery`th send a reaction (0: none); scenario e reuses it. */
export function runSteadyLoad(context: ScenarioContext, name: TargetName, params: SteadyParams, reactEvery: number): Promise<SteadyResult> {
  return withTarget(context, name, async (target) => {
    const clients = roomClients(params.rooms, params.members);
    await connectAll(context, target, clients, 100);
    const phaseTarget = { pool: context.pool, serverPid: target.pid, members: membersOf(clients) };
    // Warm-up: the same load, its figures thrown away, its deliveries drained before measuring.
    if (params.warmupMs > 0) await runPhase(phaseTarget, context.nextPhase(), params.ratePerMember, params.warmupMs, params.drainMs, reactEvery);
    return runPhase(phaseTarget, context.nextPhase(), params.ratePerMember, params.durationMs, params.drainMs, reactEvery);
  });
}

/** Runs scenario a against a fresh `name`. */
export function runSteady(context: ScenarioContext, name: TargetName): Promise<SteadyResult> {
  return runSteadyLoad(context, name, context.options.steady, 0);
}
