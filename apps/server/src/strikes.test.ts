import { describe, expect, it } from "vitest";
import { ManualClock } from "@chat/api";
import { StrikeWindow } from "./strikes.js";

/** Strikes `count` times, `gapMs` apart; returns the verdict of each strike. */
function strikes(window: StrikeWindow, clock: ManualClock, count: number, gapMs = 0): boolean[] {
  const verdicts: boolean[] = [];
  for (let strike = 0; strike < count; strike++) {
    if (strike > 0) clock.advance(gapMs);
    verdicts.push(window.strike());
  }
  return verdicts;
}

describe("StrikeWindow", () => {
  it("calls the limit-th strike within the window flooding, and none before it", () => {
    const clock = new ManualClock(1_700_000_000_000);
    const window = new StrikeWindow({ limit: 5, windowMs: 10_000 }, clock);
    expect(strikes(window, clock, 5, 100)).toEqual([false, false, false, false, true]);
  });

  it("calls a single strike flooding when the limit is 1", () => {
    const clock = new ManualClock(1_700_000_000_000);
    expect(new StrikeWindow({ limit: 1, windowMs: 10_000 }, clock).strike()).toBe(true);
  });

  it("forgives strikes that are spread wider than the window", () => {
    const clock = new ManualClock(1_700_000_000_000);
    const window = new StrikeWindow({ limit: 3, windowMs: 10_000 }, clock);
    // Three strikes 5 s apart span exactly 10 s: the first is out of the window by then.
    expect(strikes(window, clock, 30, 5_000).some(Boolean)).toBe(false);
  });

  it("counts only the strikes of the last window, however many came before", () => {
    const clock = new ManualClock(1_700_000_000_000);
    const window = new StrikeWindow({ limit: 3, windowMs: 10_000 }, clock);
    strikes(window, clock, 2);
    clock.advance(10_000);
    // The two old ones have expired: two fresh strikes are not enough, the third is.
    expect(strikes(window, clock, 3, 1)).toEqual([false, false, true]);
  });

  it("keeps calling a connection flooding while it goes on striking", () => {
    const clock = new ManualClock(1_700_000_000_000);
    const window = new StrikeWindow({ limit: 4, windowMs: 10_000 }, clock);
    expect(strikes(window, clock, 100, 10).slice(3).every(Boolean)).toBe(true);
  });
});
