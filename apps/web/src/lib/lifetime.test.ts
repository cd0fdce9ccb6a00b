import { describe, expect, it } from "vitest";
import { formatLifetime } from "./lifetime";

const now = Date.UTC(2025, 0, 1);
const hours = (count: number): Date => new Date(now + count * 3_600_000);

describe("formatLifetime", () => {
  it("counts whole days, forgiving a little clock skew", () => {
    expect(formatLifetime(hours(7 * 24), now)).toBe("7 days");
    expect(formatLifetime(hours(7 * 24 - 0.1), now)).toBe("7 days");
    expect(formatLifetime(hours(24), now)).toBe("1 day");
    expect(formatLifetime(hours(46), now)).toBe("1 day");
  });

  it("counts hours under a day", () => {
    expect(formatLifetime(hours(5), now)).toBe("5 hours");
    expect(formatLifetime(hours(13), now)).toBe("13 hours");
    expect(formatLifetime(hours(1), now)).toBe("1 hour");
  });

  it("says less than an hour for what is nearly over, or already past on a skewed clock", () => {
    expect(formatLifetime(hours(0.2), now)).toBe("less than an hour");
    expect(formatLifetime(hours(-3), now)).toBe("less than an hour");
  });
});
