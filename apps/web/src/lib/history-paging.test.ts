import type { ChatMessage } from "@chat/client";
import { describe, expect, it } from "vitest";
import { pageBeforeId } from "./history-paging";

function message(id: string, kind: ChatMessage["kind"] = "user"): ChatMessage {
  return { id, roomId: "general", kind, username: kind === "gap" ? "" : "alice", text: id, sentAt: new Date(0), editedAt: null, deleted: false, replyTo: null, mentions: [], reactions: [] };
}

describe("pageBeforeId", () => {
  it("pages back from the oldest message shown", () => {
    expect(pageBeforeId([message("a"), message("b")])).toBe("a");
  });

  it("counts system lines, which the server stores like any message", () => {
    expect(pageBeforeId([message("joined", "system"), message("b")])).toBe("joined");
  });

  it("skips gap notices, whose ids the server does not hold", () => {
    expect(pageBeforeId([message("gap", "gap"), message("b"), message("c")])).toBe("b");
  });

  it("asks for the newest page when nothing stored is shown", () => {
    expect(pageBeforeId([])).toBeNull();
    expect(pageBeforeId([message("gap", "gap")])).toBeNull();
  });
});
