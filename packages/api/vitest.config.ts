import { defineConfig } from "vitest/config";

/** Unit tests of `@chat/api`: plain Node, one file beside each piece of code it tests. */
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
