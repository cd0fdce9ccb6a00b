/**
 * The versions that ship: `ws` and `@trpc/server` both had denial-of-service advisories, fixed in
 * ws 8.17.1 and @trpc/server 11.1.1; the issue asks for at least ws 8.21. An older lock file or
 * a downgrade fails here.
 */
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

/** The installed version of `name`, resolved as the server resolves it. */
function installedVersion(name: string): number[] {
  const require = createRequire(import.meta.resolve("@chat/server"));
  const { version } = require(`${name}/package.json`) as { version: string };
  return version.split(".").map(Number);
}

/** Whether version `actual` is at least `minimum` (major, minor, patch). */
function atLeast(actual: number[], minimum: number[]): boolean {
  for (let index = 0; index < minimum.length; index++) {
    const have = actual[index] ?? 0;
    const need = minimum[index] ?? 0;
    if (have !== need) return have > need;
  }
  return true;
}

describe("dependencies", () => {
  it("ships ws 8.21 or newer", () => {
    expect(atLeast(installedVersion("ws"), [8, 21, 0]), `ws ${installedVersion("ws").join(".")}`).toBe(true);
  });

  it("ships @trpc/server 11.1.1 or newer", () => {
    const version = installedVersion("@trpc/server");
    expect(atLeast(version, [11, 1, 1]), `@trpc/server ${version.join(".")}`).toBe(true);
  });
});
