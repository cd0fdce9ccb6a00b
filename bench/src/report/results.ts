/**
 * The run's record: the machine it ran on, the options, every run's raw results and the summary,
 * written as JSON to bench/results/<timestamp>.json (git-ignored) beside the chart.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join } from "node:path";
import type { BenchOptions } from "../options.js";
import type { RunResults, Summary } from "./figures.js";

/** The machine, as docs/performance.md describes it. */
export interface Machine {
  cores: number;
  model: string;
  node: string;
  memoryGiB: number;
  /** 1-minute load average when the bench started: above ~0.5, other work shared the CPU. */
  loadAverageAtStart: number;
}

/** What is written. */
export interface ResultsFile {
  startedAt: string;
  durationSeconds: number;
  machine: Machine;
  options: BenchOptions;
  runs: RunResults[];
  summary: Summary;
}

/** Describes this machine. */
export function describeMachine(): Machine {
  const list = cpus();
  return {
    cores: list.length,
    model: list[0]?.model.trim() ?? "unknown",
    node: process.version,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverageAtStart: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}

/** A file name from the start time: sortable, and free of characters some file systems refuse. */
export function stamp(date: Date): string {
  return date.toISOString().replace(/:/g, "-").replace(/\.\d+Z$/, "Z");
}

/** Writes `text` to `path`, creating its directory. */
export function writeText(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** Writes the JSON record into `directory`; returns its path. */
export function writeResults(directory: string, results: ResultsFile): string {
  const path = join(directory, `${stamp(new Date(results.startedAt))}.json`);
  // NaN (a figure a run could not measure) is not JSON: written as null.
  writeText(path, `${JSON.stringify(results, (_, value: unknown) => (typeof value === "number" && !Number.isFinite(value) ? null : value), 2)}\n`);
  return path;
}
