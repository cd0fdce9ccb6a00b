/**
 * The chart: one small bar panel per headline figure, a bar per target at its median with a
 * whisker from the smallest to the largest run. A hand-written SVG string, so the bench needs
 * no plotting dependency and the file diffs as text.
 */
import type { Spread } from "../stats.js";
import { TARGET_LABELS, type TargetName } from "../targets.js";
import { FIGURES, type Summary } from "./figures.js";

/** The figures drawn, in panel order. */
const CHARTED = ["a.cpu", "a.p99", "b.deliveries", "b.cpu", "c.rss", "d.seconds"];
const COLOURS: Record<TargetName, string> = { ours: "#2563eb", "ours-sqlite": "#0891b2", "ours-redis": "#7c3aed", "raw-ws": "#6b7280", socketio: "#d97706" };

const PANEL_WIDTH = 300;
const PANEL_HEIGHT = 210;
const COLUMNS = 3;
const TOP = 56;
const PLOT_TOP = 54;
const PLOT_HEIGHT = 120;

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function short(value: number): string {
  if (!Number.isFinite(value)) return "–";
  if (Math.abs(value) >= 10_000) return `${(value / 1000).toFixed(0)}k`;
  if (Math.abs(value) >= 100) return value.toFixed(0);
  return value.toPrecision(3);
}

function panel(x: number, y: number, title: string, note: string, missing: string, row: Partial<Record<TargetName, Spread>>, targets: readonly TargetName[]): string {
  const spreads = targets.map((target) => row[target]);
  const top = Math.max(...spreads.map((spread) => (spread && Number.isFinite(spread.max) ? spread.max : 0)), 1e-9);
  const scale = (value: number): number => (PLOT_HEIGHT * Math.max(0, value)) / top;
  const barWidth = 56;
  const gap = (PANEL_WIDTH - 20 - targets.length * barWidth) / (targets.length + 1);
  const base = y + PLOT_TOP + PLOT_HEIGHT;
  const parts = [
    `<text x="${x + 10}" y="${y + 16}" class="title">${escape(title)}</text>`,
    `<text x="${x + 10}" y="${y + 30}" class="sub">${escape(note)}</text>`,
    `<line x1="${x + 10}" y1="${base}" x2="${x + PANEL_WIDTH - 10}" y2="${base}" class="axis"/>`];
  targets.forEach((target, index) => {
    const spread = row[target];
    const left = x + 10 + gap + index * (barWidth + gap);
    const centre = left + barWidth / 2;
    parts.push(`<text x="${centre}" y="${base + 16}" class="label">${escape(TARGET_LABELS[target])}</text>`);
    if (!spread || spread.runs === 0) {
      parts.push(`<text x="${centre}" y="${base - 5}" class="value">${escape(missing)}</text>`);
      return;
    }
    const height = scale(spread.median);
    parts.push(`<rect x="${left}" y="${base - height}" width="${barWidth}" height="${height}" fill="${COLOURS[target]}"/>`);
    if (spread.runs > 1) {
      parts.push(`<line x1="${centre}" y1="${base - scale(spread.min)}" x2="${centre}" y2="${base - scale(spread.max)}" class="whisker"/>`);
    }
    parts.push(`<text x="${centre}" y="${base - Math.max(height, spread.runs > 1 ? scale(spread.max) : 0) - 5}" class="value">${short(spread.median)}</text>`);
  });
  return parts.join("\n");
}

/** The SVG for `summary`; `subtitle` names the machine and the run. */
export function renderChart(summary: Summary, targets: readonly TargetName[], subtitle: string): string {
  const figures = CHARTED.map((id) => FIGURES.find((figure) => figure.id === id)).filter((figure) => figure !== undefined && summary[figure.id] !== undefined);
  const rows = Math.max(1, Math.ceil(figures.length / COLUMNS));
  const width = PANEL_WIDTH * COLUMNS;
  const height = TOP + rows * PANEL_HEIGHT + 10;
  const panels = figures.map((figure, index) => {
    const x = (index % COLUMNS) * PANEL_WIDTH;
    const y = TOP + Math.floor(index / COLUMNS) * PANEL_HEIGHT;
    const direction = figure?.better === "lower" ? "lower is better" : "higher is better";
    return figure ? panel(x, y, figure.label, `${figure.unit}, ${direction}`, figure.missing ?? "not measured", summary[figure.id] ?? {}, targets) : "";
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif">
<style>
  .heading { font-size: 16px; font-weight: 600; fill: #111827; }
  .sub { font-size: 11px; fill: #4b5563; }
  .title { font-size: 11px; font-weight: 600; fill: #1f2937; }
  .label { font-size: 11px; fill: #374151; text-anchor: middle; }
  .value { font-size: 11px; fill: #111827; text-anchor: middle; }
  .axis { stroke: #9ca3af; stroke-width: 1; }
  .whisker { stroke: #111827; stroke-width: 1.5; }
</style>
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="10" y="22" class="heading">Chat fan-out benchmark: ours vs raw ws vs Socket.IO (medians; whiskers min–max)</text>
<text x="10" y="40" class="sub">${escape(subtitle)}</text>
${panels.join("\n")}
</svg>
`;
}
