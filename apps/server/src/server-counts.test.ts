import { describe, expect, it } from "vitest";
import { ServerCounts } from "./server-counts.js";

describe("ServerCounts", () => {
  it("counts reply errors by procedure and code", () => {
    const counts = new ServerCounts(new Set(["sendMessage", "joinRoom"]));
    counts.replyError("sendMessage", "TOO_MANY_REQUESTS");
    counts.replyError("sendMessage", "TOO_MANY_REQUESTS");
    counts.replyError("joinRoom", "BAD_REQUEST");

    expect([...counts.replyErrors.entries()]).toEqual([
      { labels: ["sendMessage", "TOO_MANY_REQUESTS"], count: 2 },
      { labels: ["joinRoom", "BAD_REQUEST"], count: 1 },
    ]);
  });

  it("counts paths no procedure has under one label, so a client cannot make a series per request", () => {
    const counts = new ServerCounts(new Set(["sendMessage"]));
    counts.replyError("x".repeat(1000), "NOT_FOUND");
    counts.replyError("anything-else", "NOT_FOUND");
    counts.replyError(undefined, "PARSE_ERROR");

    expect([...counts.replyErrors.entries()]).toEqual([
      { labels: ["unknown", "NOT_FOUND"], count: 2 },
      { labels: ["unknown", "PARSE_ERROR"], count: 1 },
    ]);
  });
});
