import type { ChatMessage } from "@chat/client";
import { describe, expect, it } from "vitest";
import { takeUnseen } from "./dedupe";

function message(id: string): ChatMessage {
  return { id, roomId: "general", kind: "user", username: "alice", text: id, sentAt: new Date(0), editedAt: null, deleted: false, replyTo: null, mentions: [], reactions: [] };
}

describe("takeUnseen", () => {
  it("keeps new messages in order and remembers them", () => {
    const seen = new Set<string>();
    expect(takeUnseen(seen, [message("a"), message("b")]).map((m) => m.id)).toEqual(["a", "b"]);
    expect([...seen]).toEqual(["a", "b"]);
  });

  it("drops a replay of messages already shown", () => {
    const seen = new Set<string>();
    takeUnseen(seen, [message("a"), message("b")]);
    expect(takeUnseen(seen, [message("a"), message("b"), message("c")]).map((m) => m.id)).toEqual(["c"]);
  });

  it("drops a duplicate within one batch", () => {
    expect(takeUnseen(new Set(), [message("a"), message("a")]).map((m) => m.id)).toEqual(["a"]);
  });

  it("remembers only the newest ids past its limit, forgetting the oldest first", () => {
    const seen = new Set<string>();
    takeUnseen(seen, ["a", "b", "c", "d"].map(message), 3);
    expect([...seen]).toEqual(["b", "c", "d"]);
    expect(takeUnseen(seen, [message("d"), message("e")], 3).map((m) => m.id)).toEqual(["e"]);
    expect([...seen]).toEqual(["c", "d", "e"]);
  });
});
