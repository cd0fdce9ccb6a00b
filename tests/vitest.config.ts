import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Cross-package tests: each one starts a real server on port 0, so files run in parallel safely.
export default defineConfig({
  test: {
    environment: "node",
    // Liveness bounds only: a test that waits longer than this is stuck, not slow.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The tests mostly wait on sockets and timers, not the CPU: run more files at once than
    // Vitest's default of (cores - 1), which is a single worker on a 2-core CI machine.
    maxWorkers: Math.max(3, availableParallelism()),
    projects: [
      { extends: true, test: { name: "integration", include: ["integration/**/*.test.ts"] } },
      // The built web app in Debian's Chromium; skipped loudly where there is none, failed in CI.
      { extends: true, test: { name: "e2e", include: ["e2e/**/*.test.ts"] } },
      {
        // The SPA's store on the real server. Solid is resolved to its browser build and inlined,
        // as in apps/web/vitest.config.ts: Node's resolution would pick the server build, whose
        // stores and memos do not react. `ws` is the one dependency of the server and fixtures
        // with a browser build too (one that throws), so it stays pinned to its Node entry.
        extends: true,
        resolve: { alias: [{ find: /^ws$/, replacement: fileURLToPath(import.meta.resolve("ws")) }] },
        ssr: { resolve: { conditions: ["browser", "development"], externalConditions: ["browser", "development"] } },
        test: { name: "web", include: ["web/**/*.test.ts"], server: { deps: { inline: [/solid-js/] } } },
      },
    ],
  },
});
