import { describe, expect, it } from "vitest";
import { MENTIONS_MAX, mentionsIn } from "./mentions.js";

describe("mentionsIn", () => {
  it("finds present members written as @name, case-insensitively, in member order", () => {
    expect(mentionsIn("thanks @BOB and @alice!", ["alice", "bob", "carol"])).toEqual(["alice", "bob"]);
  });

  it("takes names with spaces and any script", () => {
    expect(mentionsIn("@Anne Marie, @Zoë and @李雷 see this", ["Anne Marie", "Zoë", "李雷"])).toEqual(["Anne Marie", "Zoë", "李雷"]);
  });

  it("ignores an @name that runs on into a longer word, or sits inside one", () => {
    expect(mentionsIn("@annabel, write to me@ann.example", ["ann", "annabel"])).toEqual(["annabel"]);
    expect(mentionsIn("@ann_b", ["ann"])).toEqual([]);
  });

  it("finds nothing without an @, and nobody who is not a member", () => {
    expect(mentionsIn("alice", ["alice"])).toEqual([]);
    expect(mentionsIn("@mallory", ["alice"])).toEqual([]);
  });

  it(`stops at ${MENTIONS_MAX} names`, () => {
    const members = Array.from({ length: MENTIONS_MAX + 5 }, (_, index) => `p${index}`);
    expect(mentionsIn(members.map((name) => `@${name}`).join(" "), members)).toHaveLength(MENTIONS_MAX);
  });
});
