import { describe, expect, it } from "vitest";
import { ClientIdWindow } from "./client-id-window.js";

describe("ClientIdWindow", () => {
  it("returns a value until ttlMs after it was set, then forgets it", () => {
    const window = new ClientIdWindow<string>(100, 10);
    window.set("a", "first", 1000);
    expect(window.get("a", 1099)).toBe("first");
    expect(window.get("a", 1100)).toBeUndefined();
    expect(window.get("never", 1000)).toBeUndefined();
  });

  it("sweeps expired keys lazily when used, so they take no memory and need no timer", () => {
    const window = new ClientIdWindow<number>(100, 10);
    for (let index = 0; index < 5; index++) window.set(`k${index}`, index, 1000 + index);
    expect(window.size).toBe(5);
    window.get("anything", 1102);
    expect(window.size).toBe(2);
    window.set("late", 9, 2000);
    expect(window.size).toBe(1);
  });

  it("forgets the oldest keys early past its capacity", () => {
    const window = new ClientIdWindow<number>(100, 2);
    window.set("a", 1, 1000);
    window.set("b", 2, 1001);
    window.set("c", 3, 1002);
    expect(window.size).toBe(2);
    expect(window.get("a", 1003)).toBeUndefined();
    expect(window.get("b", 1003)).toBe(2);
    expect(window.get("c", 1003)).toBe(3);
  });

  it("does not return an expired key left behind a live one when the clock was set back", () => {
    const window = new ClientIdWindow<string>(100, 10);
    window.set("later", "x", 5000);
    window.set("earlier", "y", 1000);
    expect(window.get("earlier", 1200)).toBeUndefined();
    expect(window.get("later", 1200)).toBe("x");
  });

  it("refuses a capacity that is not a positive integer", () => {
    expect(() => new ClientIdWindow(100, 0)).toThrow(RangeError);
  });
});
