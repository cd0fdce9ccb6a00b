import { defineConfig } from "vitest/config";

/** Tests of the transport: its own, beside each piece of code, and the differential ones against tRPC's adapter in `conformance/`. */
export default defineConfig({
  test: { environment: "node", include: ["src/**/*.test.ts", "conformance/**/*.test.ts"] },
});
