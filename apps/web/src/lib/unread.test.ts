import type { ChatMessage } from "@chat/client";
import { describe, expect, it } from "vitest";
import { countsAsUnread, roomButtonLabel } from "./unread";

function message(username: string, kind: ChatMessage["kind"]): ChatMessage {
  return { id: "1", roomId: "general", kind, username, text: "hi", sentAt: new Date(0), editedAt: null, deleted: false, replyTo: null, mentions: [], reactions: [] };
}

describe("countsAsUnread", () => {
  it("counts what other people say", () => {
    expect(countsAsUnread(message("bob", "user"), "alice")).toBe(true);
  });

  it("does not count your own messages or system lines", () => {
    expect(countsAsUnread(message("alice", "user"), "alice")).toBe(false);
    expect(countsAsUnread(message("bob", "system"), "alice")).toBe(false);
  });

  it("does not count a gap notice, which nobody said", () => {
    expect(countsAsUnread(message("", "gap"), "alice")).toBe(false);
  });
});

describe("roomButtonLabel", () => {
  it("is the room id alone when nothing is unread", () => {
    expect(roomButtonLabel("general", 0)).toBe("general");
  });

  it("adds the unread count", () => {
    expect(roomButtonLabel("general", 3)).toBe("general, 3 unread");
  });
});
