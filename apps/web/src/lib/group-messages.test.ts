import type { ChatMessage } from "@chat/client";
import { describe, expect, it } from "vitest";
import { groupMessages } from "./group-messages";

let seq = 0;
function message(username: string, at: string, kind: ChatMessage["kind"] = "user"): ChatMessage {
  seq++;
  return { id: `e-${seq}`, roomId: "general", kind, username, text: `text ${seq}`, sentAt: new Date(at), editedAt: null, deleted: false, replyTo: null, mentions: [], reactions: [] };
}

describe("groupMessages", () => {
  it("groups consecutive messages by the same author within the same minute", () => {
    const a = message("alice", "2025-01-01T10:00:05Z");
    const b = message("alice", "2025-01-01T10:00:40Z");
    const c = message("alice", "2025-01-01T10:00:59Z");
    const groups = groupMessages([a, b, c]);
    expect(groups).toHaveLength(1);
    expect(groups[0]?.messages).toEqual([a, b, c]);
    expect(groups[0]?.key).toBe(a.id);
    expect(groups[0]?.sentAt).toEqual(a.sentAt);
  });

  it("starts a new group when the minute changes", () => {
    const a = message("alice", "2025-01-01T10:00:59Z");
    const b = message("alice", "2025-01-01T10:01:00Z");
    expect(groupMessages([a, b]).map((g) => g.messages)).toEqual([[a], [b]]);
  });

  it("starts a new group when another author speaks in between", () => {
    const a = message("alice", "2025-01-01T10:00:01Z");
    const b = message("bob", "2025-01-01T10:00:02Z");
    const c = message("alice", "2025-01-01T10:00:03Z");
    expect(groupMessages([a, b, c]).map((g) => g.username)).toEqual(["alice", "bob", "alice"]);
  });

  it("keeps system lines apart, even about the same person", () => {
    const joined = message("alice", "2025-01-01T10:00:01Z", "system");
    const hello = message("alice", "2025-01-01T10:00:02Z");
    const left = message("alice", "2025-01-01T10:00:03Z", "system");
    const again = message("alice", "2025-01-01T10:00:04Z", "system");
    const groups = groupMessages([joined, hello, left, again]);
    expect(groups.map((g) => [g.kind, g.messages.length])).toEqual([
      ["system", 1],
      ["user", 1],
      ["system", 1],
      ["system", 1],
    ]);
  });

  it("keeps group keys stable as messages are appended", () => {
    const a = message("alice", "2025-01-01T10:00:01Z");
    const b = message("bob", "2025-01-01T10:00:02Z");
    const before = groupMessages([a, b]).map((g) => g.key);
    const after = groupMessages([a, b, message("bob", "2025-01-01T10:00:03Z")]).map((g) => g.key);
    expect(after).toEqual(before);
  });

  it("returns no groups for no messages", () => {
    expect(groupMessages([])).toEqual([]);
  });

  it("keeps a gap notice on its own line, splitting the author's run around it", () => {
    const before = message("alice", "2025-01-01T10:00:01Z");
    const gap = message("", "2025-01-01T10:00:02Z", "gap");
    const after = message("alice", "2025-01-01T10:00:03Z");
    expect(groupMessages([before, gap, after]).map((g) => [g.kind, g.messages.length])).toEqual([
      ["user", 1],
      ["gap", 1],
      ["user", 1],
    ]);
  });
});
