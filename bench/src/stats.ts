/**
 * Percentiles of one run's latencies, and the median with its spread across runs.
 */

/** A figure across runs: the median, and the smallest and largest run. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  /** How many runs produced it. */
  runs: number;
}

/** Latency percentiles of one measurement, in milliseconds. */
export interface Latency {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** The `q`-quantile (0–1) of ascending `sorted`, nearest rank; NaN when empty. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** p50/p95/p99/max of `samples` (sorted in place: it may be large, a copy would double it). */
export function latencyOf(samples: Float64Array): Latency {
  samples.sort();
  return {
    p50: quantile(samples, 0.5),
    p95: quantile(samples, 0.95),
    p99: quantile(samples, 0.99),
    max: samples.length > 0 ? (samples[samples.length - 1] ?? Number.NaN) : Number.NaN,
  };
}

/** Median, min and max of the finite values (a run that could not measure a figure gives NaN and is left out). */
export function spreadOf(values: number[]): Spread {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, runs: 0 };
  const middle = Math.floor(finite.length / 2);
  const median = finite.length % 2 === 1 ? (finite[middle] ?? Number.NaN) : ((finite[middle - 1] ?? 0) + (finite[middle] ?? 0)) / 2;
  return { median, min: finite[0] ?? Number.NaN, max: finite[finite.length - 1] ?? Number.NaN, runs: finite.length };
}
