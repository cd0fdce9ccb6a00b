/**
 * The table printed at the end: each figure for ours, raw ws and Socket.IO (median, and the
 * spread min–max when there were several runs), then ours ÷ each reference.
 */
import type { Spread } from "../stats.js";
import { isOurs, TARGET_LABELS, type TargetName } from "../targets.js";
import { FIGURES, type Summary } from "./figures.js";

function number(value: number, digits: number): string {
  if (!Number.isFinite(value)) return "–";
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function cell(spread: Spread | undefined, digits: number): string {
  if (!spread || spread.runs === 0) return "–";
  const median = number(spread.median, digits);
  return spread.runs > 1 ? `${median} (${number(spread.min, digits)}–${number(spread.max, digits)})` : median;
}

/** One target ÷ another, medians; "–" when either is missing or the divisor is zero. */
export function ratio(ours: Spread | undefined, theirs: Spread | undefined): number {
  if (!ours || !theirs || ours.runs === 0 || theirs.runs === 0 || theirs.median === 0) return Number.NaN;
  return ours.median / theirs.median;
}

/** The table as Markdown (it reads well in a terminal too, and pastes into docs/performance.md). */
export function renderTable(summary: Summary, targets: readonly TargetName[]): string {
  // Ours against each reference, and ours on SQLite and on Redis against ours in memory.
  const pairs: [TargetName, TargetName][] = [
    ...(targets.includes("ours") ? targets.filter((target) => !isOurs(target)).map((target): [TargetName, TargetName] => ["ours", target]) : []),
    ...(targets.includes("ours") ? targets.filter((target) => isOurs(target) && target !== "ours").map((target): [TargetName, TargetName] => [target, "ours"]) : []),
  ];
  const header = ["figure", ...targets.map((target) => TARGET_LABELS[target]), ...pairs.map(([a, b]) => `${TARGET_LABELS[a]}/${TARGET_LABELS[b]}`)];
  const rows = FIGURES.filter((figure) => summary[figure.id]).map((figure) => {
    const row = summary[figure.id] ?? {};
    return [
      `${figure.label} (${figure.unit}, ${figure.better} is better)`,
      ...targets.map((target) => cell(row[target], figure.digits)),
      ...pairs.map(([a, b]) => `${number(ratio(row[a], row[b]), 2)}×`),
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)));
  const line = (cells: string[]): string => `| ${cells.map((text, column) => (column === 0 ? text.padEnd(widths[column] ?? 0) : text.padStart(widths[column] ?? 0))).join(" | ")} |`;
  const rule = `| ${widths.map((width, column) => (column === 0 ? "-".repeat(width) : `${"-".repeat(Math.max(1, width - 1))}:`)).join(" | ")} |`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}
