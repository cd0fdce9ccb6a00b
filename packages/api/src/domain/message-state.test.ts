import { describe, expect, it } from "vitest";
import { REACTORS_PER_EMOJI_MAX } from "../schema.js";
import { ChatError } from "./errors.js";
import { applyChange, newMessage, quoteOf, withoutQuoteOf } from "./message-state.js";

const at = new Date(1_000);
const message = newMessage({ id: "m-1", roomId: "general", kind: "user", username: "alice", text: "hello", sentAt: new Date(0) });

describe("applyChange", () => {
  it("edits as the author only, stamping editedAt and replacing mentions", () => {
    const edited = applyChange(message, "id-a", { change: { type: "edit", text: "hi @bob", mentions: ["bob"] }, actorId: "id-a" }, at);
    expect(edited).toMatchObject({ text: "hi @bob", editedAt: at, mentions: ["bob"] });
    expect(() => applyChange(message, "id-a", { change: { type: "delete" }, actorId: "id-b" }, at)).toThrow(ChatError);
    expect(() => applyChange(message, undefined, { change: { type: "delete" }, actorId: "id-a" }, at)).toThrow(/Only the person/);
  });

  it("deletes by emptying everything a person wrote or added, and deleting twice changes nothing", () => {
    const busy = { ...message, replyTo: { id: "m-0", username: "bob", text: "q" }, reactions: [{ emoji: "👍", usernames: ["bob"] }] };
    const deleted = applyChange(busy, "id-a", { change: { type: "delete" }, actorId: "id-a" }, at);
    expect(deleted).toMatchObject({ deleted: true, text: "", replyTo: null, reactions: [], mentions: [] });
    expect(deleted && applyChange(deleted, "id-a", { change: { type: "delete" }, actorId: "id-a" }, at)).toBeNull();
  });

  it(`refuses a reactor past ${REACTORS_PER_EMOJI_MAX} on one emoji`, () => {
    const usernames = Array.from({ length: REACTORS_PER_EMOJI_MAX }, (_, index) => `p${index}`);
    const full = { ...message, reactions: [{ emoji: "👍", usernames }] };
    expect(() => applyChange(full, "id-a", { change: { type: "react", emoji: "👍", username: "late", on: true }, actorId: "id-late" }, at)).toThrow(
      expect.objectContaining({ reason: "TOO_MANY_REACTIONS" }),
    );
  });

  it("never changes the message it is given", () => {
    const before = structuredClone(message);
    applyChange(message, "id-a", { change: { type: "react", emoji: "👍", username: "bob", on: true }, actorId: "id-b" }, at);
    expect(message).toEqual(before);
  });
});

describe("quotes", () => {
  it("quote the first 200 characters, counting an emoji as one, and empty only the deleted message's quote", () => {
    const long = { ...message, text: "🙂".repeat(250) };
    expect(Array.from(quoteOf(long).text)).toHaveLength(200);
    const reply = { ...message, id: "m-2", replyTo: quoteOf(message) };
    expect(withoutQuoteOf(reply, "m-1").replyTo).toEqual({ id: "m-1", username: "alice", text: "" });
    expect(withoutQuoteOf(reply, "m-9")).toBe(reply);
  });
});
