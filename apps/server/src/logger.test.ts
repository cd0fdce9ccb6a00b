import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";

function capture(level: Parameters<typeof createLogger>[0]) {
  const lines: string[] = [];
  const logger = createLogger(level, (line) => lines.push(line));
  const parsed = (): Record<string, unknown>[] => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, parsed };
}

describe("createLogger", () => {
  it("writes one JSON object per line with time, level, event and the given fields", () => {
    const { logger, lines, parsed } = capture("info");
    logger.info("connect", { connectionId: "c1", ip: "127.0.0.1" });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith("\n")).toBe(true);
    expect(parsed()[0]).toEqual({ time: expect.any(String), level: "info", event: "connect", connectionId: "c1", ip: "127.0.0.1" });
    expect(Number.isNaN(Date.parse(String(parsed()[0]?.time)))).toBe(false);
  });

  it("drops lines below its level and keeps those at or above it", () => {
    const { logger, parsed } = capture("warn");
    logger.debug("a");
    logger.info("b");
    logger.warn("c");
    logger.error("d");
    expect(parsed().map((line) => line.event)).toEqual(["c", "d"]);
  });

  it("writes nothing at level silent", () => {
    const { logger, lines } = capture("silent");
    logger.error("boom");
    expect(lines).toEqual([]);
  });

  it("writes an error's name, message and stack instead of an empty object", () => {
    const { logger, parsed } = capture("error");
    logger.error("failed", { error: new TypeError("bad thing") });
    const error = parsed()[0]?.error as Record<string, unknown>;
    expect(error.name).toBe("TypeError");
    expect(error.message).toBe("bad thing");
    expect(String(error.stack)).toContain("bad thing");
  });
});
