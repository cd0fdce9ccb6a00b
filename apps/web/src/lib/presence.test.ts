import { describe, expect, it } from "vitest";
import { applyPresence } from "./presence";

describe("applyPresence", () => {
  it("replaces the list with a snapshot, sorted by name", () => {
    const members = applyPresence(["zoe"], {
      type: "snapshot",
      roomId: "general",
      members: [{ username: "carol" }, { username: "Bob" }, { username: "alice" }],
    });
    expect(members).toEqual(["alice", "Bob", "carol"]);
  });

  it("adds a joining member once", () => {
    const once = applyPresence(["alice", "carol"], { type: "join", roomId: "general", username: "bob" });
    expect(once).toEqual(["alice", "bob", "carol"]);
    expect(applyPresence(once, { type: "join", roomId: "general", username: "bob" })).toEqual(once);
  });

  it("removes a leaving member, and ignores an unknown one", () => {
    expect(applyPresence(["alice", "bob"], { type: "leave", roomId: "general", username: "alice" })).toEqual(["bob"]);
    expect(applyPresence(["bob"], { type: "leave", roomId: "general", username: "zed" })).toEqual(["bob"]);
  });
});
