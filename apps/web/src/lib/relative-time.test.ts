import { describe, expect, it } from "vitest";
import { formatExactTime, formatRelativeTime } from "./relative-time";

const now = Date.parse("2025-03-10T12:00:00Z");
const ago = (ms: number): Date => new Date(now - ms);

describe("formatRelativeTime", () => {
  it('says "just now" under a minute, and for dates slightly in the future', () => {
    expect(formatRelativeTime(ago(0), now)).toBe("just now");
    expect(formatRelativeTime(ago(59_999), now)).toBe("just now");
    expect(formatRelativeTime(ago(-5_000), now)).toBe("just now");
  });

  it("counts whole minutes under an hour", () => {
    expect(formatRelativeTime(ago(60_000), now)).toBe("1 min ago");
    expect(formatRelativeTime(ago(2 * 60_000 + 30_000), now)).toBe("2 min ago");
    expect(formatRelativeTime(ago(59 * 60_000 + 59_000), now)).toBe("59 min ago");
  });

  it("counts whole hours under a day", () => {
    expect(formatRelativeTime(ago(60 * 60_000), now)).toBe("1 h ago");
    expect(formatRelativeTime(ago(23 * 60 * 60_000 + 59 * 60_000), now)).toBe("23 h ago");
  });

  it("shows the date for anything older", () => {
    const text = formatRelativeTime(new Date("2025-03-01T09:05:00Z"), now, "en-US");
    expect(text).not.toContain("ago");
    expect(text).toContain("Mar");
  });
});

describe("formatExactTime", () => {
  it("includes the date and the seconds", () => {
    const text = formatExactTime(new Date(2025, 2, 1, 9, 5, 7), "en-US");
    expect(text).toContain("2025");
    expect(text).toContain("9:05:07");
  });
});
