import { defineConfig } from "vitest/config";

/** Tests of `@chat/redis-broker`, each on a real `redis-server` it starts (skipped loudly without one). */
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
