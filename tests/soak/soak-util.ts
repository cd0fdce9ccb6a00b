/** Small helpers of the soak run: a seeded PRNG, waiting, and memory readings after gc. */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** Resident set and V8 heap in MiB. */
export interface MemoryUsage {
  rssMiB: number;
  heapUsedMiB: number;
}

/** A small seeded PRNG (mulberry32): the same seed gives the same sequence of choices. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` until it holds or `timeoutMs` passes (liveness only); returns whether it held. */
export async function settle(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/** `global.gc`, exposed at run time when node was started without `--expose-gc`. */
export function garbageCollector(): (() => void) | null {
  setFlagsFromString("--expose-gc");
  const gc: unknown = runInNewContext("typeof gc === 'function' ? gc : null");
  return typeof gc === "function" ? () => void Reflect.apply(gc, undefined, []) : null;
}

/** The process's memory now, after a collection when `gc` is given. */
export function memory(gc: (() => void) | null): MemoryUsage {
  gc?.();
  const usage = process.memoryUsage();
  return { rssMiB: Math.round(usage.rss / 2 ** 20), heapUsedMiB: Math.round(usage.heapUsed / 2 ** 20) };
}

