/**
 * The process around a running server: which events stop it, with which exit code, and how
 * long a stop may take.
 */
import type { Logger } from "./logger.js";

/** The part of `process` that `superviseProcess` uses, so a test can pass a fake. */
export interface SupervisedProcess {
  on(event: "uncaughtException", listener: (error: Error, origin: string) => void): unknown;
  on(event: "unhandledRejection", listener: (reason: unknown) => void): unknown;
  once(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  exit(code: number): void;
}

/** What `superviseProcess` stops, and how. */
export interface SupervisionOptions {
  logger: Logger;
  /** Stops the server gracefully. */
  close: () => Promise<void>;
  /** How long `close` may take before the process exits 1 anyway. */
  deadlineMs: number;
}

/**
 * Wires a process to its server: SIGINT and SIGTERM shut it down and exit 0. An uncaught
 * exception is logged, then shuts it down the same way and exits 1: after one, Node's state is
 * unknown (a half-run handler, a lock never released), so carrying on is unsafe (see
 * https://nodejs.org/api/process.html#warning-using-uncaughtexception-correctly), yet dying on
 * the spot would cut every client off mid-message; a bounded graceful stop is the middle way,
 * and the supervisor (systemd, Kubernetes) restarts the process. An unhandled rejection is a
 * promise someone forgot to await, not a corrupted stack: it is logged and the process goes on.
 */
export function superviseProcess(proc: SupervisedProcess, { logger, close, deadlineMs }: SupervisionOptions): void {
  let exitCode = 0;
  let stopping = false;

  const stop = (code: number): void => {
    exitCode = Math.max(exitCode, code);
    if (stopping) return;
    stopping = true;
    setTimeout(() => {
      logger.error("shutdown_timeout", { ms: deadlineMs });
      proc.exit(1);
    }, deadlineMs).unref();
    close().then(
      () => proc.exit(exitCode),
      (error: unknown) => {
        logger.error("shutdown_failed", { error });
        proc.exit(1);
      },
    );
  };

  proc.on("unhandledRejection", (error) => logger.error("unhandled_rejection", { error }));
  proc.on("uncaughtException", (error, origin) => {
    logger.error("uncaught_exception", { error, origin });
    stop(1);
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    proc.once(signal, () => {
      logger.info("signal", { signal });
      stop(0);
    });
  }
}
