/**
 * The bench's message text: `bench:<phase>:<sent at, ms>:` and padding. The timestamp measures
 * latency; the phase keeps a late delivery of one step from counting in the next. Receivers find
 * it with `indexOf` in the raw frame, never parsing the JSON, so the client stays cheap.
 */

const PREFIX = "bench:";
/** Padding to a plausible chat line (~80 characters in all). */
const PADDING = "the quick brown fox jumps over the lazy dog, twice, then rests";

/** Milliseconds on a clock shared by all processes of this machine, with sub-millisecond resolution. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** The text of a message sent now in `phase`. */
export function markedText(phase: number): string {
  return `${PREFIX}${phase}:${nowMs().toFixed(3)}:${PADDING}`;
}

/** A delivery found in a frame. */
export interface Mark {
  phase: number;
  sentAtMs: number;
}

/** The mark in a raw frame, or null when the frame carries no bench message. */
export function findMark(frame: string): Mark | null {
  const start = frame.indexOf(PREFIX);
  if (start < 0) return null;
  const phaseEnd = frame.indexOf(":", start + PREFIX.length);
  const sentEnd = frame.indexOf(":", phaseEnd + 1);
  if (phaseEnd < 0 || sentEnd < 0) return null;
  const phase = Number(frame.slice(start + PREFIX.length, phaseEnd));
  const sentAtMs = Number(frame.slice(phaseEnd + 1, sentEnd));
  return Number.isFinite(phase) && Number.isFinite(sentAtMs) ? { phase, sentAtMs } : null;
}
