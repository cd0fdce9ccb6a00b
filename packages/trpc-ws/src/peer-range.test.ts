/**
 * The transport answers as tRPC's adapter does because the conformance suite says so, for the
 * @trpc/server versions it was run on: the peer range. An install outside it fails here, by name,
 * before anything subtler does.
 */
import { createRequire } from "node:module";
import semver from "semver";
import { describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);

describe("the @trpc/server peer range", () => {
  it("holds the installed @trpc/server", () => {
    const { peerDependencies } = require("../package.json") as { peerDependencies: Record<string, string> };
    const range = peerDependencies["@trpc/server"] ?? "";
    const { version } = require("@trpc/server/package.json") as { version: string };
    expect(
      semver.satisfies(version, range),
      `@trpc/server ${version} is outside the range this transport was tested with (${range}): run the conformance suite on it, then widen the range`,
    ).toBe(true);
  });
});
