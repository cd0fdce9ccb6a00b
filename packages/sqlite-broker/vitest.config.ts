import { defineConfig } from "vitest/config";

/** Tests of `@chat/sqlite-broker`, each on real SQLite files in a temporary directory. */
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
