import { describe, expect, it } from "vitest";
import { ManualClock } from "./clock.js";
import { TokenBucket } from "./rate-limit.js";

/** Takes until refused; returns how many calls were allowed. */
function drain(bucket: TokenBucket, limit = 10_000): number {
  let allowed = 0;
  while (allowed < limit && bucket.take() === 0) allowed++;
  return allowed;
}

describe("TokenBucket", () => {
  it("allows a burst of exactly `burst` calls at once", () => {
    const bucket = new TokenBucket({ burst: 20, perSecond: 5 }, new ManualClock(1_700_000_000_000));
    for (let call = 0; call < 20; call++) expect(bucket.take()).toBe(0);
    expect(bucket.take()).toBeGreaterThan(0);
  });

  it("refuses the call after the burst with the delay until a token is back", () => {
    const bucket = new TokenBucket({ burst: 3, perSecond: 5 }, new ManualClock(1_700_000_000_000));
    expect(drain(bucket)).toBe(3);
    // One token comes back every 200 ms at 5 per second.
    expect(bucket.take()).toBe(200);
  });

  it("takes no token for a refused call, so waiting the promised delay is enough", () => {
    const clock = new ManualClock(1_700_000_000_000);
    const bucket = new TokenBucket({ burst: 2, perSecond: 4 }, clock);
    drain(bucket);
    const first = bucket.take();
    expect(first).toBe(250);
    // Refused again and again: if refusals took tokens, the promise would recede.
    for (let retry = 0; retry < 5; retry++) expect(bucket.take()).toBe(first);
    clock.advance(first);
    expect(bucket.take()).toBe(0);
  });

  it("promises a shorter delay as time passes, and keeps the promise", () => {
    const clock = new ManualClock(1_700_000_000_000);
    const bucket = new TokenBucket({ burst: 1, perSecond: 2 }, clock);
    expect(bucket.take()).toBe(0);
    expect(bucket.take()).toBe(500);
    clock.advance(300);
    const remaining = bucket.take();
    expect(remaining).toBe(200);
    clock.advance(remaining - 1);
    expect(bucket.take()).toBeGreaterThan(0);
    clock.advance(1);
    expect(bucket.take()).toBe(0);
  });

  it.each([
    [1, 0.3],
    [2, 3],
    [5, 7],
    [20, 5],
    [3, 13],
  ])("serves a client that waits the promised delay, and never faster than the rate (burst %i, %f per second)", (burst, perSecond) => {
    const clock = new ManualClock(1_700_000_000_000);
    const start = clock.now();
    const bucket = new TokenBucket({ burst, perSecond }, clock);
    let allowed = 0;
    for (let call = 0; call < 500; call++) {
      const delay = bucket.take();
      if (delay > 0) {
        clock.advance(delay);
        expect(bucket.take()).toBe(0);
      }
      allowed++;
      // Uneven pauses leave fractional tokens behind.
      if (call % 7 === 0) clock.advance((call * 37) % 113);
      const elapsedSeconds = (clock.now() - start) / 1000;
      expect(allowed).toBeLessThanOrEqual(burst + elapsedSeconds * perSecond + 1e-9);
    }
  });

  it("refills at `perSecond` tokens per second", () => {
    const clock = new ManualClock(1_700_000_000_000);
    const bucket = new TokenBucket({ burst: 20, perSecond: 5 }, clock);
    drain(bucket);
    clock.advance(1000);
    expect(drain(bucket)).toBe(5);
    clock.advance(600);
    expect(drain(bucket)).toBe(3);
  });

  it("never holds more than `burst` tokens, however long it rests", () => {
    const clock = new ManualClock(1_700_000_000_000);
    const bucket = new TokenBucket({ burst: 4, perSecond: 10 }, clock);
    clock.advance(60_000);
    expect(drain(bucket)).toBe(4);
    drain(bucket);
    clock.advance(3_600_000);
    expect(drain(bucket)).toBe(4);
  });

  it("does not grant tokens when the clock goes backwards", () => {
    const clock = new ManualClock(1_700_000_000_000);
    const bucket = new TokenBucket({ burst: 2, perSecond: 1 }, clock);
    drain(bucket);
    clock.advance(-5_000);
    expect(bucket.take()).toBeGreaterThan(0);
  });
});
