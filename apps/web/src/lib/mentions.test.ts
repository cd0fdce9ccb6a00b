import { describe, expect, it } from "vitest";
import { mentionQueryAt, splitMentions, suggestMembers } from "./mentions";

describe("splitMentions", () => {
  it("cuts out each named @mention, keeping the text's own case, and nothing else", () => {
    expect(splitMentions("hi @Bob and @carol, mail me@bob.example", ["bob", "carol"])).toEqual([
      { kind: "text", text: "hi " },
      { kind: "mention", text: "@Bob", name: "bob" },
      { kind: "text", text: " and " },
      { kind: "mention", text: "@carol", name: "carol" },
      { kind: "text", text: ", mail me@bob.example" },
    ]);
  });

  it("prefers the longest name, and leaves names that are not whole words alone", () => {
    expect(splitMentions("@ann lee, @annie", ["ann", "ann lee"])).toEqual([
      { kind: "mention", text: "@ann lee", name: "ann lee" },
      { kind: "text", text: ", @annie" },
    ]);
  });

  it("returns the text whole when nobody is mentioned", () => {
    expect(splitMentions("<b>@x</b>", [])).toEqual([{ kind: "text", text: "<b>@x</b>" }]);
  });
});

describe("mentionQueryAt", () => {
  it("finds the @name being typed at the caret", () => {
    expect(mentionQueryAt("hello @bo", 9)).toEqual({ start: 6, query: "bo" });
    expect(mentionQueryAt("@", 1)).toEqual({ start: 0, query: "" });
  });

  it("ignores an @ inside a word or on an earlier line", () => {
    expect(mentionQueryAt("me@bo", 5)).toBeNull();
    expect(mentionQueryAt("@bo\nx", 5)).toBeNull();
    expect(mentionQueryAt("no mention", 10)).toBeNull();
  });
});

describe("suggestMembers", () => {
  it("lists the others whose name starts with the query", () => {
    expect(suggestMembers(["alice", "Bob", "bobby", "carol"], "bo", "alice")).toEqual(["Bob", "bobby"]);
    expect(suggestMembers(["alice", "bob"], "", "alice")).toEqual(["bob"]);
  });
});
