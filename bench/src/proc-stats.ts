/**
 * A process's own CPU time and resident memory, read from Linux's `/proc`: what the kernel
 * charged to the server, whichever thread (main, GC, libuv) did the work.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** Clock ticks per second of `utime`/`stime` (USER_HZ; 100 on nearly every Linux). */
const CLOCK_TICKS = ((): number => {
  try {
    const ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU time the process has used so far, in microseconds (resolution 1/CLK_TCK s). */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name (1-based).
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`cannot read CPU time of ${pid}`);
  return ((utime + stime) * 1_000_000) / CLOCK_TICKS;
}

/** Resident set size (`VmRSS`) in KiB. */
export function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match?.[1]) throw new Error(`cannot read VmRSS of ${pid}`);
  return Number(match[1]);
}
