/**
 * Every process the bench starts (servers, load workers) is spawned here and registered, so
 * that none outlives the bench: on a normal exit, an error, Ctrl-C or SIGTERM, all are killed.
 */
import { type ChildProcess, spawn } from "node:child_process";

const living = new Set<ChildProcess>();
let hooked = false;

/** Kills every child still running, synchronously: safe inside `process.on("exit")`. */
export function killAllChildren(): void {
  for (const child of living) {
    // SIGKILL, not SIGTERM: on exit there is no later turn in which to escalate.
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  living.clear();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on("exit", killAllChildren);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      killAllChildren();
      // 128 + signal number, as a shell reports a process killed by it.
      process.exit(signal === "SIGINT" ? 130 : signal === "SIGTERM" ? 143 : 129);
    });
  }
}

/** What to start. */
export interface SpawnOptions {
  /** Arguments to `node`. */
  args: string[];
  /** The whole environment of the child (nothing is inherited, so a developer's `PORT` cannot leak in). */
  env: Record<string, string>;
  cwd: string;
  /** Opens an IPC channel (structured-clone serialisation, so typed arrays pass as they are). */
  ipc?: boolean;
}

/** A registered child with the output it printed so far. */
export interface Child {
  readonly process: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<void>;
  /** Everything written to stdout and stderr, for error messages. */
  output(): string;
  /** Resolves with the first match of `pattern` in stdout; rejects if the child exits first or after `timeoutMs`. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** SIGTERM, then SIGKILL after `graceMs` if it is still running. */
  stop(graceMs?: number): Promise<void>;
}

/** Spawns `node <args>` and registers it for killing at exit. */
export function spawnNode(options: SpawnOptions): Child {
  hookExit();
  const child = spawn(process.execPath, options.args, {
    cwd: options.cwd,
    env: options.env,
    stdio: options.ipc ? ["ignore", "pipe", "pipe", "ipc"] : ["ignore", "pipe", "pipe"],
    serialization: "advanced",
  });
  if (child.pid === undefined) throw new Error(`could not start node ${options.args.join(" ")}`);
  living.add(child);
  let stdout = "";
  let stderr = "";
  const listeners = new Set<() => void>();
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    // Bounded: a chatty child must not grow the bench's memory without end.
    stdout = (stdout + chunk).slice(-20_000);
    for (const listener of listeners) listener();
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      living.delete(child);
      for (const listener of listeners) listener();
      resolve();
    }),
  );
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    process: child,
    pid: child.pid,
    exited,
    output: () => `stdout: ${stdout}\nstderr: ${stderr}`,
    waitForLine(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`no line matching ${pattern} within ${timeoutMs} ms\n${stdout}\n${stderr}`)), timeoutMs);
        const check = (): void => {
          const match = stdout.match(pattern);
          if (match) finish(match);
          else if (!running()) finish(new Error(`the process exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}\n${stdout}\n${stderr}`));
        };
        const finish = (result: RegExpMatchArray | Error): void => {
          clearTimeout(timer);
          listeners.delete(check);
          if (result instanceof Error) reject(result);
          else resolve(result);
        };
        listeners.add(check);
        check();
      });
    },
    async stop(graceMs = 3000) {
      if (!running()) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
