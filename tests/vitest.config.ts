import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// Cross-package tests: each one starts a real server on port 0, so files run in parallel safely.
export default defineConfig({
  test: {
    include: ["integration/**/*.test.ts"],
    environment: "node",
    // Liveness bounds only: a test that waits longer than this is stuck, not slow.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The tests mostly wait on sockets and timers, not the CPU: run more files at once than
    // Vitest's default of (cores - 1), which is a single worker on a 2-core CI machine.
    maxWorkers: Math.max(3, availableParallelism()),
  },
});
