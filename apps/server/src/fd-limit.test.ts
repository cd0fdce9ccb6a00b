import { describe, expect, it } from "vitest";
import { openFileCount, openFileLimit, parseOpenFileLimit, socketCeiling, socketsPerAddressDefault } from "./fd-limit.js";

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units     
Max cpu time              unlimited            unlimited            seconds   
Max open files            1024                 524288               files     
Max locked memory         8388608              8388608              bytes     
`;

describe("parseOpenFileLimit", () => {
  it("reads the soft limit of the Max open files row", () => {
    expect(parseOpenFileLimit(LIMITS)).toBe(1024);
  });

  it("is null when the limit is unlimited or the row is missing", () => {
    expect(parseOpenFileLimit(LIMITS.replace("1024  ", "unlimited"))).toBeNull();
    expect(parseOpenFileLimit("Limit Soft Limit Hard Limit Units\n")).toBeNull();
  });
});

describe("openFileLimit and openFileCount", () => {
  it("read this process's limit and open descriptors on Linux", () => {
    const limit = openFileLimit();
    if (process.platform !== "linux") {
      expect(limit).toBeNull();
      return;
    }
    expect(limit).toBeGreaterThan(0);
    expect(openFileCount()).toBeGreaterThanOrEqual(3);
  });
});

describe("socketCeiling", () => {
  it("leaves a tenth of the limit free besides what is in use", () => {
    expect(socketCeiling(10_000, 30)).toBe(10_000 - 30 - 1000);
  });

  it("leaves at least 64 descriptors free under a small limit", () => {
    expect(socketCeiling(1024, 30)).toBe(1024 - 30 - 103);
    expect(socketCeiling(256, 20)).toBe(256 - 20 - 64);
  });

  it("never leaves more than half of what is free, nor goes below zero", () => {
    expect(socketCeiling(100, 40)).toBe(30);
    expect(socketCeiling(50, 80)).toBe(0);
  });
});

describe("socketsPerAddressDefault", () => {
  it("leaves one address a quarter of the descriptors, at least 256, and 1,024 where the limit is unknown", () => {
    expect(socketsPerAddressDefault(1024)).toBe(256);
    expect(socketsPerAddressDefault(65_536)).toBe(16_384);
    expect(socketsPerAddressDefault(512)).toBe(256);
    expect(socketsPerAddressDefault(null)).toBe(1024);
  });
});
