import { defineConfig } from "vitest/config";

/** Unit tests of the server's parts; the whole server is tested from tests/. */
export default defineConfig({
  test: { environment: "node", include: ["src/**/*.test.ts"] },
});
