import { describe, expect, it } from "vitest";
import { avatarFor } from "./avatar";

describe("avatarFor", () => {
  it("shows the name's first letter, upper-cased", () => {
    expect(avatarFor("alice").initial).toBe("A");
    expect(avatarFor("élodie").initial).toBe("É");
  });

  it("keeps a first character outside the basic plane whole", () => {
    expect(avatarFor("😀 smiley").initial).toBe("😀");
  });

  it("gives the same name the same hue every time, within 0–359", () => {
    const hue = avatarFor("carol").hue;
    expect(avatarFor("carol").hue).toBe(hue);
    expect(hue).toBeGreaterThanOrEqual(0);
    expect(hue).toBeLessThan(360);
  });

  it("spreads different names over different hues", () => {
    const names = ["alice", "bob", "carol", "dana", "erin", "frank", "grace", "heidi"];
    const hues = new Set(names.map((name) => avatarFor(name).hue));
    expect(hues.size).toBeGreaterThanOrEqual(7);
  });
});
