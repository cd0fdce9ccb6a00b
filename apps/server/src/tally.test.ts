import { describe, expect, it } from "vitest";
import { Tally } from "./tally.js";

describe("Tally", () => {
  it("counts each tuple of label values apart", () => {
    const tally = new Tally<[method: string, code: string]>();
    tally.add("sendMessage", "TOO_MANY_REQUESTS");
    tally.add("sendMessage", "TOO_MANY_REQUESTS");
    tally.add("joinRoom", "TOO_MANY_REQUESTS");

    expect([...tally.entries()]).toEqual([
      { labels: ["sendMessage", "TOO_MANY_REQUESTS"], count: 2 },
      { labels: ["joinRoom", "TOO_MANY_REQUESTS"], count: 1 },
    ]);
  });

  it("does not confuse tuples whose values would join into the same text", () => {
    const tally = new Tally<[string, string]>();
    tally.add("a b", "c");
    tally.add("a", "b c");

    expect([...tally.entries()]).toHaveLength(2);
  });
});
