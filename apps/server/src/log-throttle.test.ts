import { ManualClock } from "@chat/api";
import { describe, expect, it } from "vitest";
import { LogThrottle } from "./log-throttle.js";

describe("LogThrottle", () => {
  it("lets the first event of a key through, and holds back the rest of the interval", () => {
    const throttle = new LogThrottle(1000, new ManualClock(0));

    expect(throttle.take("10.0.0.1")).toBe(1);
    expect(throttle.take("10.0.0.1")).toBe(0);
    expect(throttle.take("10.0.0.1")).toBe(0);
  });

  it("writes the next line once the interval has passed, counting the events it held back", () => {
    const clock = new ManualClock(0);
    const throttle = new LogThrottle(1000, clock);
    throttle.take("10.0.0.1");
    throttle.take("10.0.0.1");
    throttle.take("10.0.0.1");

    clock.advance(1000);

    expect(throttle.take("10.0.0.1")).toBe(3);
    expect(throttle.take("10.0.0.1")).toBe(0);
  });

  it("keeps each key apart, so a flood from one address does not silence another", () => {
    const throttle = new LogThrottle(1000, new ManualClock(0));
    throttle.take("10.0.0.1");

    expect(throttle.take("10.0.0.2")).toBe(1);
  });

  it("forgets quiet keys, and a forgotten key's next event gets a line of its own", () => {
    const clock = new ManualClock(0);
    const throttle = new LogThrottle(1000, clock);
    throttle.take("10.0.0.1");
    throttle.take("10.0.0.1");

    clock.advance(5000);
    throttle.take("10.0.0.2");

    expect(throttle.take("10.0.0.1")).toBe(1);
  });
});
