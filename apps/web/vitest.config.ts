import { defineConfig } from "vitest/config";

/**
 * Unit tests of the app's pure logic, in Node. A file of its own, so that vite-plugin-solid does
 * not switch the environment to jsdom; the store is tested on the real server in tests/web.
 */
export default defineConfig({
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
  },
});
