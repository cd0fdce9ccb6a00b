import { EventEmitter } from "node:events";
import { describe, expect, it, vi } from "vitest";
import { superviseProcess, type SupervisedProcess } from "./lifecycle.js";
import { createLogger } from "./logger.js";

/** A stand-in for `process`: events the test emits, and the exit code it was asked for. */
class FakeProcess extends EventEmitter implements SupervisedProcess {
  readonly exits: number[] = [];
  exit(code: number): void {
    this.exits.push(code);
  }
}

function supervised(close: () => Promise<void>) {
  const proc = new FakeProcess();
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger("debug", (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
  superviseProcess(proc, { logger, close, deadlineMs: 5000 });
  return { proc, lines, events: () => lines.map((line) => line.event) };
}

describe("superviseProcess", () => {
  it("on SIGTERM closes the server and exits 0", async () => {
    const close = vi.fn(() => Promise.resolve());
    const { proc, events } = supervised(close);

    proc.emit("SIGTERM", "SIGTERM");
    await vi.waitFor(() => expect(proc.exits).toEqual([0]));

    expect(close).toHaveBeenCalledTimes(1);
    expect(events()).toEqual(["signal"]);
  });

  it("logs an uncaught exception with its error, closes the server gracefully and exits 1", async () => {
    const close = vi.fn(() => Promise.resolve());
    const { proc, lines } = supervised(close);

    proc.emit("uncaughtException", new Error("boom"), "uncaughtException");
    await vi.waitFor(() => expect(proc.exits).toEqual([1]));

    expect(close).toHaveBeenCalledTimes(1);
    expect(lines[0]).toMatchObject({ level: "error", event: "uncaught_exception", origin: "uncaughtException", error: { message: "boom" } });
  });

  it("exits 1 when an uncaught exception comes during a shutdown a signal started, closing only once", async () => {
    let finish: () => void = () => {};
    const close = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const { proc } = supervised(close);

    proc.emit("SIGTERM", "SIGTERM");
    proc.emit("uncaughtException", new Error("during shutdown"), "uncaughtException");
    finish();
    await vi.waitFor(() => expect(proc.exits).toEqual([1]));

    expect(close).toHaveBeenCalledTimes(1);
  });

  it("logs an unhandled rejection and keeps running", () => {
    const close = vi.fn(() => Promise.resolve());
    const { proc, lines } = supervised(close);

    proc.emit("unhandledRejection", new Error("forgotten promise"));

    expect(lines[0]).toMatchObject({ level: "error", event: "unhandled_rejection", error: { message: "forgotten promise" } });
    expect(close).not.toHaveBeenCalled();
    expect(proc.exits).toEqual([]);
  });

  it("exits 1 when closing fails", async () => {
    const { proc, events } = supervised(() => Promise.reject(new Error("stuck")));

    proc.emit("SIGINT", "SIGINT");
    await vi.waitFor(() => expect(proc.exits).toEqual([1]));

    expect(events()).toEqual(["signal", "shutdown_failed"]);
  });
});
