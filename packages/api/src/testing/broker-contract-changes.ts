/**
 * The changes half of the broker contract: edits, deletions, reactions and replies are events in
 * the room's log, every reader sees them in one order and resumes past them, and reads return
 * messages in their current state, alike in every store.
 */
import { describe, expect, it } from "vitest";
import type { MessageDraft } from "../domain/broker.js";
import { type ChangeRequest, quoteOf } from "../domain/message-state.js";
import { type ChatEvent, type ChatMessage, REACTIONS_PER_MESSAGE_MAX, type RoomId } from "../schema.js";
import { type BrokerHarness, draft, idsOf, messagesOnly, read, readUntilText, textsOf } from "./broker-harness.js";

/** Takes the harness, like every section, so all share one broker per test. */
export function describeChangesContract(harness: BrokerHarness): void {
  const { newRoom, subscribe } = harness;

  /** A message from `username` sent by the identity `authorId`, which alone may edit or delete it. */
  const authored = (username: string, text: string, extra: Partial<MessageDraft> = {}): MessageDraft => ({
    ...draft(username, text),
    authorId: `id-${username}`,
    ...extra,
  });
  const say = (roomId: RoomId, username: string, text: string, extra: Partial<MessageDraft> = {}): Promise<ChatMessage> =>
    harness.broker.publish(roomId, authored(username, text, extra));
  const edit = (username: string, text: string): ChangeRequest => ({ change: { type: "edit", text, mentions: [] }, actorId: `id-${username}` });
  const remove = (username: string): ChangeRequest => ({ change: { type: "delete" }, actorId: `id-${username}` });
  const react = (username: string, emoji: string, on = true): ChangeRequest => ({
    change: { type: "react", emoji, username, on },
    actorId: `id-${username}`,
  });

  /** What a refused call rejected with. */
  const refusal = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => null, (error: unknown) => error);

  /** The update events among `events`, as (target, new text) pairs. */
  const updatesIn = (events: readonly ChatEvent[]): [string, string][] =>
    events.flatMap((event) => (event.kind === "update" ? [[event.target, event.message.text] as [string, string]] : []));

  describe("edits", () => {
    it("stores an edit as an update event after every earlier event, and reads return the edited text", async () => {
      const roomId = newRoom();
      const original = await say(roomId, "alice", "helo");
      const stream = subscribe(roomId);
      await read(stream, 1);
      const edited = await harness.broker.change(roomId, original.id, edit("alice", "hello"));
      expect(edited).toMatchObject({ id: original.id, text: "hello", deleted: false, username: "alice" });
      expect(edited.editedAt).toBeInstanceOf(Date);
      const [update] = await read(stream, 1);
      expect(update).toMatchObject({ kind: "update", roomId, target: original.id, message: { id: original.id, text: "hello" } });
      expect(update?.id).not.toBe(original.id);
      expect(update?.sentAt).toBeInstanceOf(Date);
      expect(textsOf(await harness.broker.history(roomId, 10))).toEqual(["hello"]);
      expect((await harness.broker.historyPage(roomId, null, 10)).messages).toEqual([edited]);
      expect(await harness.broker.message(roomId, original.id)).toEqual(edited);
      expect(textsOf(await harness.broker.search(roomId, "hello", 10))).toEqual(["hello"]);
      expect(await harness.broker.search(roomId, "helo", 10)).toEqual([]);
    });

    it("never delivers who sent a message beyond its name", async () => {
      const roomId = newRoom();
      const message = await say(roomId, "alice", "hi");
      expect(Object.keys(message).sort()).toEqual(["deleted", "editedAt", "id", "kind", "mentions", "reactions", "replyTo", "roomId", "sentAt", "text", "username"]);
      expect(Object.keys((await harness.broker.history(roomId, 1))[0] ?? {})).not.toContain("authorId");
    });

    it("stores and emits nothing for an edit to the same text, and returns the current state", async () => {
      const roomId = newRoom();
      const original = await say(roomId, "alice", "same");
      expect(await harness.broker.change(roomId, original.id, edit("alice", "same"))).toEqual(original);
      await say(roomId, "alice", "end");
      expect(textsOf(await readUntilText(subscribe(roomId), "end"))).toEqual(["same", "end"]);
    });

    it("refuses with NOT_AUTHOR an edit or deletion by anyone but the identity that sent it, and of system lines", async () => {
      const roomId = newRoom();
      const message = await say(roomId, "alice", "mine");
      const line = await harness.broker.publish(roomId, { kind: "system", username: "alice", text: "alice joined" });
      // The same name is not enough: only the identity that sent it.
      const impostor: ChangeRequest = { change: { type: "edit", text: "yours", mentions: [] }, actorId: "id-someone-else" };
      expect(await refusal(harness.broker.change(roomId, message.id, impostor))).toMatchObject({ reason: "NOT_AUTHOR" });
      expect(await refusal(harness.broker.change(roomId, message.id, remove("bob")))).toMatchObject({ reason: "NOT_AUTHOR" });
      expect(await refusal(harness.broker.change(roomId, line.id, edit("alice", "x")))).toMatchObject({ reason: "NOT_AUTHOR" });
      expect(textsOf(await harness.broker.history(roomId, 10))).toEqual(["mine", "alice joined"]);
    });

    it("refuses with MESSAGE_NOT_FOUND a change to an id the room does not hold", async () => {
      const [roomId, otherRoom] = [newRoom(), newRoom()];
      await say(roomId, "alice", "here");
      const elsewhere = await say(otherRoom, "alice", "there");
      for (const id of ["garbage", "0-0", elsewhere.id]) {
        expect(await refusal(harness.broker.change(roomId, id, edit("alice", "x")))).toMatchObject({ reason: "MESSAGE_NOT_FOUND" });
        expect(await refusal(harness.broker.change(roomId, id, react("alice", "👍")))).toMatchObject({ reason: "MESSAGE_NOT_FOUND" });
        expect(await harness.broker.message(roomId, id)).toBeUndefined();
      }
    });
  });

  describe("deletions", () => {
    it("empties a deleted message's text in every read, earlier updates of it included, and refuses further edits", async () => {
      const roomId = newRoom();
      const original = await say(roomId, "alice", "secret plans");
      await harness.broker.change(roomId, original.id, edit("alice", "secret plans revised"));
      const deleted = await harness.broker.change(roomId, original.id, remove("alice"));
      expect(deleted).toMatchObject({ id: original.id, deleted: true, text: "", reactions: [], mentions: [] });
      await say(roomId, "alice", "end");
      const replayed = await readUntilText(subscribe(roomId), "end");
      expect(replayed.map((event) => (event.kind === "update" ? event.message.text : event.text))).toEqual(["", "", "", "end"]);
      expect(JSON.stringify(replayed)).not.toContain("secret");
      expect(JSON.stringify(await harness.broker.history(roomId, 10))).not.toContain("secret");
      expect(await harness.broker.search(roomId, "secret", 10)).toEqual([]);
      expect(await harness.broker.message(roomId, original.id)).toEqual(deleted);
      expect(await refusal(harness.broker.change(roomId, original.id, edit("alice", "back")))).toMatchObject({ reason: "MESSAGE_NOT_FOUND" });
      expect(await refusal(harness.broker.change(roomId, original.id, react("bob", "👍")))).toMatchObject({ reason: "NOT_REACTABLE" });
    });

    it("stores and emits nothing for a second deletion", async () => {
      const roomId = newRoom();
      const original = await say(roomId, "alice", "oops");
      const deleted = await harness.broker.change(roomId, original.id, remove("alice"));
      expect(await harness.broker.change(roomId, original.id, remove("alice"))).toEqual(deleted);
      await say(roomId, "alice", "end");
      expect(updatesIn(await readUntilText(subscribe(roomId), "end"))).toEqual([[original.id, ""]]);
    });

    it("returns a deleted message's current state, not its text, to a retry with its client message id", async () => {
      const roomId = newRoom();
      const original = await harness.broker.publish(roomId, authored("alice", "retry me"), { clientMessageId: "c1" });
      await harness.broker.change(roomId, original.id, remove("alice"));
      const retried = await harness.broker.publish(roomId, authored("alice", "retry me"), { clientMessageId: "c1" });
      expect(retried).toMatchObject({ id: original.id, deleted: true, text: "" });
    });
  });

  describe("reactions", () => {
    it("aggregates reactions per emoji in the order people reacted, each toggle an update, repeats changing nothing", async () => {
      const roomId = newRoom();
      const message = await say(roomId, "alice", "lunch?");
      const stream = subscribe(roomId);
      await read(stream, 1);
      await harness.broker.change(roomId, message.id, react("bob", "👍"));
      await harness.broker.change(roomId, message.id, react("bob", "👍"));
      await harness.broker.change(roomId, message.id, react("carol", "🎉"));
      await harness.broker.change(roomId, message.id, react("carol", "👍"));
      await harness.broker.change(roomId, message.id, react("dave", "🎉", false));
      const current = await harness.broker.change(roomId, message.id, react("carol", "🎉", false));
      expect(current.reactions).toEqual([{ emoji: "👍", usernames: ["bob", "carol"] }]);
      const updates = await read(stream, 4);
      expect(updates.map((event) => (event.kind === "update" ? event.message.reactions : null))).toEqual([
        [{ emoji: "👍", usernames: ["bob"] }],
        [
          { emoji: "👍", usernames: ["bob"] },
          { emoji: "🎉", usernames: ["carol"] },
        ],
        [
          { emoji: "👍", usernames: ["bob", "carol"] },
          { emoji: "🎉", usernames: ["carol"] },
        ],
        [{ emoji: "👍", usernames: ["bob", "carol"] }],
      ]);
      expect((await harness.broker.history(roomId, 1))[0]?.reactions).toEqual(current.reactions);
    });

    it(`refuses with TOO_MANY_REACTIONS a message's ${REACTIONS_PER_MESSAGE_MAX + 1}th distinct emoji, and reactions to system lines with NOT_REACTABLE`, async () => {
      const roomId = newRoom();
      const message = await say(roomId, "alice", "react away");
      const emoji = Array.from({ length: REACTIONS_PER_MESSAGE_MAX + 1 }, (_, index) => String.fromCodePoint(0x1f600 + index));
      for (const one of emoji.slice(0, -1)) await harness.broker.change(roomId, message.id, react("bob", one));
      const last = emoji.at(-1) ?? "";
      expect(await refusal(harness.broker.change(roomId, message.id, react("bob", last)))).toMatchObject({ reason: "TOO_MANY_REACTIONS" });
      expect((await harness.broker.message(roomId, message.id))?.reactions).toHaveLength(REACTIONS_PER_MESSAGE_MAX);
      const line = await harness.broker.publish(roomId, { kind: "system", username: "alice", text: "alice joined" });
      expect(await refusal(harness.broker.change(roomId, line.id, react("bob", "👍")))).toMatchObject({ reason: "NOT_REACTABLE" });
    });

    it("applies changes made at once one after the other, losing none", async () => {
      const roomId = newRoom();
      const message = await say(roomId, "alice", "busy");
      const people = Array.from({ length: 12 }, (_, index) => `p${index}`);
      await Promise.all(people.map((person, index) => harness.broker.change(roomId, message.id, react(person, index % 2 === 0 ? "👍" : "🎉"))));
      const { reactions } = (await harness.broker.message(roomId, message.id)) ?? { reactions: [] };
      expect(reactions.flatMap((reaction) => reaction.usernames).sort()).toEqual([...people].sort());
      expect(reactions.map((reaction) => reaction.usernames.length).reduce((a, b) => a + b, 0)).toBe(people.length);
    });
  });

  describe("order and resumption", () => {
    it("gives every reader the same order of messages and changes", async () => {
      const roomId = newRoom();
      const first = subscribe(roomId);
      const second = subscribe(roomId);
      const sent = [await say(roomId, "alice", "a"), await say(roomId, "bob", "b")];
      await Promise.all([
        harness.broker.change(roomId, sent[0]?.id ?? "", edit("alice", "a2")),
        harness.broker.change(roomId, sent[0]?.id ?? "", react("bob", "👍")),
        say(roomId, "carol", "c"),
        harness.broker.change(roomId, sent[1]?.id ?? "", remove("bob")),
      ]);
      await say(roomId, "alice", "end");
      const [one, two] = await Promise.all([readUntilText(first, "end"), readUntilText(second, "end")]);
      expect(idsOf(one)).toEqual(idsOf(two));
      expect(one).toHaveLength(7);
      const third = await readUntilText(subscribe(roomId, sent[1]?.id), "end");
      expect(idsOf(third)).toEqual(idsOf(one.slice(2)));
    });

    it("resumes after a message with the changes missed while away, then live ones, with no gap and no duplicate", async () => {
      const roomId = newRoom();
      const seen = await say(roomId, "alice", "before");
      // Away from here: an edit of the seen message, a reaction, a new message.
      await harness.broker.change(roomId, seen.id, edit("alice", "before, edited"));
      const next = await say(roomId, "bob", "while away");
      await harness.broker.change(roomId, next.id, react("alice", "👀"));
      const stream = subscribe(roomId, seen.id);
      await say(roomId, "alice", "end");
      const resumed = await readUntilText(stream, "end");
      expect(resumed.map((event) => event.kind)).toEqual(["update", "user", "update", "user"]);
      expect(updatesIn(resumed)).toEqual([
        [seen.id, "before, edited"],
        [next.id, "while away"],
      ]);
      // Resuming from an update's id goes on after it.
      const fromUpdate = await readUntilText(subscribe(roomId, resumed[0]?.id), "end");
      expect(idsOf(fromUpdate)).toEqual(idsOf(resumed.slice(1)));
    });

    it("counts and returns messages only in history pages, never updates", async () => {
      const roomId = newRoom();
      const sent = await harness.publishAll(roomId, "alice", ["1", "2", "3"]);
      for (const message of sent) await harness.broker.change(roomId, message.id, react("bob", "👍"));
      const page = await harness.broker.historyPage(roomId, null, 2);
      expect(textsOf(page.messages)).toEqual(["2", "3"]);
      expect(page.hasMore).toBe(true);
      const older = await harness.broker.historyPage(roomId, page.messages[0]?.id ?? null, 2);
      expect(older).toMatchObject({ hasMore: false });
      expect(textsOf(older.messages)).toEqual(["1"]);
      expect(messagesOnly(await harness.broker.history(roomId, 10))).toHaveLength(3);
    });
  });

  describe("replies and mentions", () => {
    it("stores a reply's quote and mentions, and empties the quote once the quoted message is deleted", async () => {
      const roomId = newRoom();
      const question = await say(roomId, "alice", "who took my stapler?");
      const reply = await say(roomId, "bob", "@alice not me", { replyTo: quoteOf(question), mentions: ["alice"] });
      expect(reply).toMatchObject({ replyTo: { id: question.id, username: "alice", text: "who took my stapler?" }, mentions: ["alice"] });
      await harness.broker.change(roomId, question.id, remove("alice"));
      const stored = await harness.broker.message(roomId, reply.id);
      expect(stored).toMatchObject({ text: "@alice not me", replyTo: { id: question.id, username: "alice", text: "" }, mentions: ["alice"] });
      expect(JSON.stringify(await harness.broker.history(roomId, 10))).not.toContain("stapler");
      // A reply whose quote was read before the deletion is stored with the quote emptied.
      const late = await say(roomId, "carol", "me neither", { replyTo: quoteOf(question) });
      expect(late.replyTo).toEqual({ id: question.id, username: "alice", text: "" });
    });
  });
}
