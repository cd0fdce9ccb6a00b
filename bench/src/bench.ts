/**
 * `npm run bench [-- --quick]`: runs each scenario against each target, fresh, for several runs,
 * then prints the table, writes the results JSON and the chart. See docs/performance.md.
 *
 * The servers and the load workers are child processes; all of them are killed when the bench
 * ends, however it ends (children.ts).
 */
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { killAllChildren } from "./children.js";
import { LoadPool } from "./load/pool.js";
import { parseOptions, SCENARIO_NAMES, type ScenarioName } from "./options.js";
import { renderChart } from "./report/chart.js";
import { type RunResults, summarise } from "./report/figures.js";
import { describeMachine, stamp, writeResults, writeText } from "./report/results.js";
import { renderTable } from "./report/table.js";
import type { ScenarioContext } from "./scenarios/context.js";
import { runJoinStorm } from "./scenarios/join-storm.js";
import { runMemory } from "./scenarios/memory.js";
import type { PhaseResult } from "./scenarios/phase.js";
import { REACTION_TARGETS, runReactions } from "./scenarios/reactions.js";
import { runSaturation } from "./scenarios/saturation.js";
import { runSteady } from "./scenarios/steady.js";
import { checkOursBuilt, isOurs, repoRoot, TARGET_NAMES, type TargetName } from "./targets.js";

const RESULTS_DIR = fileURLToPath(new URL("../results", import.meta.url));
/** Where a full run puts the chart that docs/performance.md shows. */
const DOCS_CHART = join(repoRoot, "docs", "performance", "chart.svg");

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** One line of a steady phase's figures (scenarios a and e). */
function describePhase(result: PhaseResult): string {
  return `${Math.round(result.deliveriesPerSec)} deliveries/s, ${(result.deliveryRatio * 100).toFixed(2)}%, p99 ${result.latencyMs.p99.toFixed(1)} ms, ${result.cpuMicrosPerDelivery.toFixed(2)} µs CPU/delivery, server ${result.serverCpuPercent.toFixed(0)}% load ${result.loadCpuPercent.toFixed(0)}%${result.errors > 0 ? `, ${result.errors} errors (${result.firstError ?? ""})` : ""}`;
}

/** Whether `scenario` runs against `target`: e needs reactions, which the references lack. */
function runsOn(scenario: ScenarioName, target: TargetName): boolean {
  return scenario !== "e" || REACTION_TARGETS.includes(target);
}

/** Runs one scenario against one target and stores its result in `run`. */
async function measure(context: ScenarioContext, run: RunResults, scenario: ScenarioName, target: TargetName): Promise<void> {
  const started = performance.now();
  let summary: string;
  switch (scenario) {
    case "a": {
      const result = await runSteady(context, target);
      (run.a ??= {})[target] = result;
      summary = describePhase(result);
      break;
    }
    case "b": {
      const result = await runSaturation(context, target);
      (run.b ??= {})[target] = result;
      summary = result.best ? `sustained ${Math.round(result.best.deliveriesPerSec)} deliveries/s at ${result.best.ratePerClient}/s per member` : "not even the first step held";
      break;
    }
    case "c": {
      const result = await runMemory(context, target);
      (run.c ??= {})[target] = result;
      summary = `${result.kibPerConnection.toFixed(1)} KiB per connection (${result.live} live)`;
      break;
    }
    case "d": {
      const result = await runJoinStorm(context, target);
      (run.d ??= {})[target] = result;
      summary = `${result.live}/${result.clients} live in ${result.seconds.toFixed(2)} s (server CPU ${result.serverCpuSeconds.toFixed(2)} s, load ${result.loadCpuSeconds.toFixed(2)} s)${result.firstError ? ` (first error: ${result.firstError})` : ""}`;
      break;
    }
    case "e": {
      const result = await runReactions(context, target);
      (run.e ??= {})[target] = result;
      summary = `${result.reactions} reactions beside ${result.sent} messages, own update p99 ${result.reactionLatencyMs.p99.toFixed(1)} ms; ${describePhase(result)}`;
      break;
    }
  }
  log(`  ${scenario} ${target}: ${summary} [${((performance.now() - started) / 1000).toFixed(1)} s]`);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.targets.some(isOurs)) checkOursBuilt();
  const startedAt = new Date();
  const machine = describeMachine();
  log(`bench${options.quick ? " --quick (proves it works; too short to judge speed)" : ""}: ${options.runs} run(s) of ${options.scenarios.join(",")} on ${options.targets.join(", ")}`);
  log(`machine: ${machine.cores} cores, ${machine.model}, Node ${machine.node}, load average ${machine.loadAverageAtStart}`);

  const pool = LoadPool.start(options.workers, repoRoot);
  let phase = 0;
  const context: ScenarioContext = { pool, options, nextPhase: () => ++phase, log };
  const runs: RunResults[] = [];
  try {
    for (let index = 0; index < options.runs; index++) {
      log(`run ${index + 1} of ${options.runs}`);
      const run: RunResults = {};
      runs.push(run);
      for (const scenario of options.scenarios) {
        // The targets' order turns each run, so none is always measured first (on a cold machine) or last.
        const order = options.targets
          .map((_, i) => options.targets[(i + index) % options.targets.length])
          .filter((target) => target !== undefined)
          .filter((target) => runsOn(scenario, target));
        // Only e leaves targets out.
        if (order.length === 0) log(`  ${scenario}: skipped, it runs only on ${REACTION_TARGETS.join(", ")}`);
        for (const target of order) await measure(context, run, scenario, target);
      }
    }
  } finally {
    await pool.stop();
  }

  const summary = summarise(runs, options.scenarios, options.targets);
  const durationSeconds = Math.round((Date.now() - startedAt.getTime()) / 100) / 10;
  process.stdout.write(`\n${renderTable(summary, options.targets)}\n\n`);
  const path = writeResults(RESULTS_DIR, { startedAt: startedAt.toISOString(), durationSeconds, machine, options, runs, summary });
  // The load average tells the reader whether other work shared the machine (over ~0.5 on 2 cores, it did).
  const subtitle = `${startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC · ${machine.cores} cores, ${machine.model} · Node ${machine.node} · load average ${machine.loadAverageAtStart} at start · ${options.runs} run(s)${options.quick ? " · QUICK MODE: not for judging speed" : ""}`;
  const chart = renderChart(summary, options.targets, subtitle);
  const chartPaths = [join(RESULTS_DIR, `${stamp(startedAt)}.svg`)];
  // Only a complete full run replaces the chart in the docs (a subset or a profiled run would
  // leave it half empty or slowed); --chart names another place.
  const complete = !options.quick && options.profileDir === null && options.scenarios.length === SCENARIO_NAMES.length && options.targets.length === TARGET_NAMES.length;
  if (options.chartPath) chartPaths.push(options.chartPath);
  else if (complete) chartPaths.push(DOCS_CHART);
  for (const chartPath of chartPaths) writeText(chartPath, chart);
  log(`results: ${path}\nchart: ${chartPaths.join(", ")}\ntook ${durationSeconds} s`);
}

main().then(
  () => {
    killAllChildren();
    process.exit(0);
  },
  (error: unknown) => {
    log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    killAllChildren();
    process.exit(1);
  },
);
