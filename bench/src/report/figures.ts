/**
 * The figures the bench reports, each read from one scenario's result, and their medians across
 * runs per target.
 */
import type { ScenarioName } from "../options.js";
import type { JoinStormResult } from "../scenarios/join-storm.js";
import type { MemoryResult } from "../scenarios/memory.js";
import type { ReactionsResult } from "../scenarios/reactions.js";
import type { SaturationResult } from "../scenarios/saturation.js";
import type { SteadyResult } from "../scenarios/steady.js";
import { type Spread, spreadOf } from "../stats.js";
import type { TargetName } from "../targets.js";

/** One run's results: per scenario, per target. */
export interface RunResults {
  a?: Partial<Record<TargetName, SteadyResult>>;
  b?: Partial<Record<TargetName, SaturationResult>>;
  c?: Partial<Record<TargetName, MemoryResult>>;
  d?: Partial<Record<TargetName, JoinStormResult>>;
  e?: Partial<Record<TargetName, ReactionsResult>>;
}

/** A reported figure. */
export interface Figure {
  id: string;
  scenario: ScenarioName;
  label: string;
  unit: string;
  /** Which way is better: decides nothing in the bench, but tells the reader of the ratios. */
  better: "lower" | "higher";
  /** What the chart says when a target has no value (the table shows "–"). @default "not measured" */
  missing?: string;
  /** Digits after the point in the table. */
  digits: number;
  /** The figure in one run for one target; NaN when that run did not measure it. */
  read(run: RunResults, target: TargetName): number;
}

const steady = (pick: (result: SteadyResult) => number) => (run: RunResults, target: TargetName) => {
  const result = run.a?.[target];
  return result ? pick(result) : Number.NaN;
};
const reactions = (pick: (result: ReactionsResult) => number) => (run: RunResults, target: TargetName) => {
  const result = run.e?.[target];
  return result ? pick(result) : Number.NaN;
};
const best = (pick: (result: NonNullable<SaturationResult["best"]>) => number) => (run: RunResults, target: TargetName) => {
  const result = run.b?.[target]?.best;
  return result ? pick(result) : Number.NaN;
};

/** Every figure, in table order. */
export const FIGURES: readonly Figure[] = [
  { id: "a.deliveries", scenario: "a", label: "a steady: deliveries/s", unit: "per s", better: "higher", digits: 0, read: steady((r) => r.deliveriesPerSec) },
  { id: "a.ratio", scenario: "a", label: "a steady: delivered", unit: "%", better: "higher", digits: 2, read: steady((r) => r.deliveryRatio * 100) },
  { id: "a.p50", scenario: "a", label: "a steady: latency p50", unit: "ms", better: "lower", digits: 1, read: steady((r) => r.latencyMs.p50) },
  { id: "a.p95", scenario: "a", label: "a steady: latency p95", unit: "ms", better: "lower", digits: 1, read: steady((r) => r.latencyMs.p95) },
  { id: "a.p99", scenario: "a", label: "a steady: latency p99", unit: "ms", better: "lower", digits: 1, read: steady((r) => r.latencyMs.p99) },
  { id: "a.max", scenario: "a", label: "a steady: latency max", unit: "ms", better: "lower", digits: 1, read: steady((r) => r.latencyMs.max) },
  { id: "a.cpu", scenario: "a", label: "a steady: server CPU/delivery", unit: "µs", better: "lower", digits: 2, read: steady((r) => r.cpuMicrosPerDelivery) },
  { id: "a.load", scenario: "a", label: "a steady: load generator CPU", unit: "%", better: "lower", digits: 0, read: steady((r) => r.loadCpuPercent) },
  { id: "b.deliveries", scenario: "b", missing: "no step held", label: "b saturation: sustained deliveries/s", unit: "per s", better: "higher", digits: 0, read: best((r) => r.deliveriesPerSec) },
  { id: "b.p99", scenario: "b", missing: "no step held", label: "b saturation: p99 at that rate", unit: "ms", better: "lower", digits: 1, read: best((r) => r.latencyMs.p99) },
  { id: "b.cpu", scenario: "b", missing: "no step held", label: "b saturation: server CPU/delivery", unit: "µs", better: "lower", digits: 2, read: best((r) => r.cpuMicrosPerDelivery) },
  { id: "b.load", scenario: "b", missing: "no step held", label: "b saturation: load generator CPU", unit: "%", better: "lower", digits: 0, read: best((r) => r.loadCpuPercent) },
  { id: "c.rss", scenario: "c", label: "c memory: RSS per connection", unit: "KiB", better: "lower", digits: 1, read: (run, target) => run.c?.[target]?.kibPerConnection ?? Number.NaN },
  { id: "d.seconds", scenario: "d", label: "d join storm: all live after", unit: "s", better: "lower", digits: 2, read: (run, target) => run.d?.[target]?.seconds ?? Number.NaN },
  { id: "d.cpu", scenario: "d", label: "d join storm: server CPU", unit: "s", better: "lower", digits: 2, read: (run, target) => run.d?.[target]?.serverCpuSeconds ?? Number.NaN },
  { id: "d.load", scenario: "d", label: "d join storm: load generator CPU", unit: "s", better: "lower", digits: 2, read: (run, target) => run.d?.[target]?.loadCpuSeconds ?? Number.NaN },
  { id: "e.deliveries", scenario: "e", label: "e reactions: deliveries/s", unit: "per s", better: "higher", digits: 0, read: reactions((r) => r.deliveriesPerSec) },
  { id: "e.ratio", scenario: "e", label: "e reactions: delivered", unit: "%", better: "higher", digits: 2, read: reactions((r) => r.deliveryRatio * 100) },
  { id: "e.p50", scenario: "e", label: "e reactions: message latency p50", unit: "ms", better: "lower", digits: 1, read: reactions((r) => r.latencyMs.p50) },
  { id: "e.p95", scenario: "e", label: "e reactions: message latency p95", unit: "ms", better: "lower", digits: 1, read: reactions((r) => r.latencyMs.p95) },
  { id: "e.p99", scenario: "e", label: "e reactions: message latency p99", unit: "ms", better: "lower", digits: 1, read: reactions((r) => r.latencyMs.p99) },
  { id: "e.max", scenario: "e", label: "e reactions: message latency max", unit: "ms", better: "lower", digits: 1, read: reactions((r) => r.latencyMs.max) },
  { id: "e.react.p50", scenario: "e", label: "e reactions: own update latency p50", unit: "ms", better: "lower", digits: 1, read: reactions((r) => r.reactionLatencyMs.p50) },
  { id: "e.react.p99", scenario: "e", label: "e reactions: own update latency p99", unit: "ms", better: "lower", digits: 1, read: reactions((r) => r.reactionLatencyMs.p99) },
  { id: "e.cpu", scenario: "e", label: "e reactions: server CPU/delivery", unit: "µs", better: "lower", digits: 2, read: reactions((r) => r.cpuMicrosPerDelivery) },
  { id: "e.load", scenario: "e", label: "e reactions: load generator CPU", unit: "%", better: "lower", digits: 0, read: reactions((r) => r.loadCpuPercent) },
];

/** Each figure's spread across runs, per target. */
export type Summary = Record<string, Partial<Record<TargetName, Spread>>>;

/** Summarises `runs` for the figures of the scenarios and targets that ran. */
export function summarise(runs: RunResults[], scenarios: readonly ScenarioName[], targets: readonly TargetName[]): Summary {
  const summary: Summary = {};
  for (const figure of FIGURES) {
    if (!scenarios.includes(figure.scenario)) continue;
    const row: Partial<Record<TargetName, Spread>> = {};
    for (const target of targets) row[target] = spreadOf(runs.map((run) => figure.read(run, target)));
    summary[figure.id] = row;
  }
  return summary;
}
