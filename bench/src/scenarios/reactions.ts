/**
 * Scenario e, reactions (issue 16): scenario a's steady load, but every 10th send of each member
 * toggles one of a few emoji on a recent message of its room instead, so that a tenth of the
 * events are reactions. Each reaction is one `MessageUpdate` to every member of the room: a
 * delivery like a message's. The messages' deliveries give the latency, as in a; the member that
 * reacted times its own reaction's update apart, since only it knows when the reaction left.
 */
import type { TargetName } from "../targets.js";
import type { ScenarioContext } from "./context.js";
import type { PhaseResult } from "./phase.js";
import { runSteadyLoad } from "./steady.js";

/** The targets scenario e runs against: ours in memory; the references have no reactions. */
export const REACTION_TARGETS: readonly TargetName[] = ["ours"];

/** Scenario e's figures: one phase, as a's. */
export type ReactionsResult = PhaseResult;

/** Runs scenario e against a fresh `name`. */
export function runReactions(context: ScenarioContext, name: TargetName): Promise<ReactionsResult> {
  const params = context.options.reactions;
  return runSteadyLoad(context, name, params, params.reactEvery);
}
