import { defineConfig } from "vitest/config";

/**
 * Unit tests cover logic only, so they run in Node, in a file of their own so that
 * vite-plugin-solid does not switch the environment to jsdom (not installed). Solid is
 * resolved to its browser build and inlined: Node's own resolution would pick the server
 * build, whose stores and memos do not react, and the store tests need them to.
 */
export default defineConfig({
  ssr: { resolve: { conditions: ["browser", "development"], externalConditions: ["browser", "development"] } },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
    server: { deps: { inline: [/solid-js/] } },
  },
});
