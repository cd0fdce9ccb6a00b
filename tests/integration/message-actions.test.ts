/**
 * Editing, deleting, reacting, replying and mentioning through the real client and server (issue
 * 16), in each store: every change reaches every reader as an update in one order, a reader that
 * was offline resumes with the changes it missed, and nobody changes another person's message.
 */
import { type ChatEvent, type ChatMessage, newIdentitySecret } from "@chat/client";
import { redisServerPath } from "@chat/redis-broker/testing";
import { describe, expect, it } from "vitest";
import { tempDataDir } from "../fixtures/data-dir.js";
import { createFlakyNetwork } from "../fixtures/flaky-network.js";
import { collectMessages, type TrackedMessage, texts, trpcError, uniqueName, uniqueRoomId, waitFor } from "../fixtures/helpers.js";
import { useStoreModes } from "../fixtures/store-modes.js";
import { startTestServer } from "../fixtures/test-server.js";

const { modes, startRedisNode } = useStoreModes("message-actions");

/** Every message of a stream in its latest state: what a client shows after applying each update by `target`. */
function finalState(events: readonly TrackedMessage[]): ChatMessage[] {
  const shown = new Map<string, ChatMessage>();
  for (const { data } of events) {
    if (data.kind === "update") shown.set(data.target, data.message);
    else shown.set(data.id, data);
  }
  return [...shown.values()];
}

/** The updates among a stream's events. */
function updatesOf(events: readonly TrackedMessage[]): ChatEvent[] {
  return events.map((event) => event.data).filter((event) => event.kind === "update");
}

describe.each(modes)("message actions with the $name store", ({ start }) => {
  it("edits, deletes, reacts, replies and mentions, each reaching the other person at once", async () => {
    const app = await start();
    const roomId = uniqueRoomId("actions");
    const [aliceName, bobName] = [uniqueName("alice"), uniqueName("bob")];
    const alice = app.client({ identity: newIdentitySecret() });
    const bob = app.client({ identity: newIdentitySecret() });
    await alice.trpc.joinRoom.mutate({ roomId, username: aliceName });
    await bob.trpc.joinRoom.mutate({ roomId, username: bobName });
    const seenByBob = collectMessages(bob, roomId);
    await seenByBob.started;

    const question = await alice.trpc.sendMessage.mutate({ roomId, text: "lunch at noon?" });
    const reply = await bob.trpc.sendMessage.mutate({ roomId, text: `@${aliceName} yes!`, replyTo: question.id });
    expect(reply.replyTo).toEqual({ id: question.id, username: aliceName, text: "lunch at noon?" });
    expect(reply.mentions).toEqual([aliceName]);
    await alice.trpc.editMessage.mutate({ roomId, messageId: question.id, text: "lunch at one?" });
    await alice.trpc.react.mutate({ roomId, messageId: reply.id, emoji: "🎉", on: true });
    await bob.trpc.react.mutate({ roomId, messageId: reply.id, emoji: "🎉", on: true });
    // Reacting twice changes nothing and emits nothing.
    await bob.trpc.react.mutate({ roomId, messageId: reply.id, emoji: "🎉", on: true });
    const typo = await alice.trpc.sendMessage.mutate({ roomId, text: "sorry, wrong room" });
    await alice.trpc.deleteMessage.mutate({ roomId, messageId: typo.id });
    await alice.trpc.sendMessage.mutate({ roomId, text: "end" });

    await waitFor(() => texts(seenByBob.events).includes("end"), "bob to see every change");
    expect(updatesOf(seenByBob.events)).toHaveLength(4);
    const shown = finalState(seenByBob.events).filter((message) => message.kind === "user");
    expect(shown.map((message) => [message.text, message.deleted, message.editedAt !== null])).toEqual([
      ["lunch at one?", false, true],
      [`@${aliceName} yes!`, false, false],
      ["", true, false],
      ["end", false, false],
    ]);
    expect(shown[1]?.reactions).toEqual([{ emoji: "🎉", usernames: [aliceName, bobName] }]);
    // History and a newcomer's join show the same final state.
    const { history } = await app.client().trpc.joinRoom.mutate({ roomId, username: uniqueName("carol") });
    expect(history.filter((message) => message.kind === "user")).toEqual(shown);
    expect(JSON.stringify(history)).not.toContain("wrong room");
    expect((await alice.trpc.search.query({ roomId, query: "wrong" })).messages).toEqual([]);
  });

  it("refuses another person's edit and deletion with FORBIDDEN, unknown ids with NOT_FOUND, bad emoji with BAD_REQUEST", async () => {
    const app = await start();
    const roomId = uniqueRoomId("refusals");
    const alice = app.client({ identity: newIdentitySecret() });
    const mallory = app.client({ identity: newIdentitySecret() });
    await alice.trpc.joinRoom.mutate({ roomId, username: uniqueName("alice") });
    await mallory.trpc.joinRoom.mutate({ roomId, username: uniqueName("mallory") });
    const message = await alice.trpc.sendMessage.mutate({ roomId, text: "mine" });
    const codeOf = async (call: Promise<unknown>): Promise<string | undefined> => (await trpcError(call)).data?.code;
    expect(await codeOf(mallory.trpc.editMessage.mutate({ roomId, messageId: message.id, text: "pwned" }))).toBe("FORBIDDEN");
    expect(await codeOf(mallory.trpc.deleteMessage.mutate({ roomId, messageId: message.id }))).toBe("FORBIDDEN");
    expect(await codeOf(alice.trpc.editMessage.mutate({ roomId, messageId: "no-such-id", text: "x" }))).toBe("NOT_FOUND");
    expect(await codeOf(alice.trpc.sendMessage.mutate({ roomId, text: "re", replyTo: "no-such-id" }))).toBe("NOT_FOUND");
    expect(await codeOf(mallory.trpc.react.mutate({ roomId, messageId: message.id, emoji: "not an emoji", on: true }))).toBe("BAD_REQUEST");
    expect(await codeOf(alice.trpc.editMessage.mutate({ roomId, messageId: message.id, text: "   " }))).toBe("BAD_REQUEST");
    const { messages } = await alice.trpc.history.query({ roomId });
    expect(messages.at(-1)).toMatchObject({ id: message.id, text: "mine", editedAt: null, reactions: [] });
  });

  it("resumes a reader that was offline with the changes it missed, in the order everyone saw them", async () => {
    const app = await start();
    const roomId = uniqueRoomId("resume");
    const network = createFlakyNetwork();
    const reader = app.client({ WebSocket: network.WebSocket });
    const witness = app.client();
    const alice = app.client({ identity: newIdentitySecret() });
    await alice.trpc.joinRoom.mutate({ roomId, username: uniqueName("alice") });
    const seen = collectMessages(reader, roomId);
    const reference = collectMessages(witness, roomId);
    const first = await alice.trpc.sendMessage.mutate({ roomId, text: "first" });
    await waitFor(() => texts(seen.events).includes("first"), "the reader to see the first message");

    network.offline = true;
    network.cut();
    await waitFor(() => reader.status === "reconnecting", "the reader to notice the cut");
    await alice.trpc.editMessage.mutate({ roomId, messageId: first.id, text: "first, edited" });
    await alice.trpc.react.mutate({ roomId, messageId: first.id, emoji: "👍", on: true });
    const second = await alice.trpc.sendMessage.mutate({ roomId, text: "second" });
    await alice.trpc.deleteMessage.mutate({ roomId, messageId: second.id });
    network.offline = false;
    await alice.trpc.sendMessage.mutate({ roomId, text: "end" });

    await waitFor(() => texts(seen.events).includes("end") && seen.events.length === reference.events.length, "the reader to catch up");
    expect(seen.events.map((event) => event.id)).toEqual(reference.events.map((event) => event.id));
    expect(updatesOf(seen.events)).toHaveLength(3);
    expect(finalState(seen.events).filter((message) => message.kind === "user").map((message) => [message.text, message.reactions.length])).toEqual([
      ["first, edited", 1],
      ["", 0],
      ["end", 0],
    ]);
    expect(seen.errors).toEqual([]);
  });
});

describe("message actions with the SQLite store, across a restart", () => {
  it("keeps every change, and lets the author edit after the server restarts", async () => {
    const dataDir = tempDataDir();
    const roomId = uniqueRoomId("restart");
    const identity = newIdentitySecret();
    const first = await startTestServer({ DATA_DIR: dataDir });
    const alice = first.client({ identity });
    await alice.trpc.joinRoom.mutate({ roomId, username: "alice" });
    const kept = await alice.trpc.sendMessage.mutate({ roomId, text: "kept" });
    const gone = await alice.trpc.sendMessage.mutate({ roomId, text: "classified" });
    const reply = await alice.trpc.sendMessage.mutate({ roomId, text: "see above", replyTo: gone.id });
    await alice.trpc.react.mutate({ roomId, messageId: kept.id, emoji: "👍", on: true });
    await alice.trpc.deleteMessage.mutate({ roomId, messageId: gone.id });
    await first.close();

    const second = await startTestServer({ DATA_DIR: dataDir });
    const again = second.client({ identity });
    const { history } = await again.trpc.joinRoom.mutate({ roomId, username: "alice" });
    expect(history.find((message) => message.id === kept.id)?.reactions).toEqual([{ emoji: "👍", usernames: ["alice"] }]);
    expect(history.find((message) => message.id === gone.id)).toMatchObject({ deleted: true, text: "" });
    expect(history.find((message) => message.id === reply.id)?.replyTo).toEqual({ id: gone.id, username: "alice", text: "" });
    expect(JSON.stringify(history)).not.toContain("classified");
    expect(await again.trpc.editMessage.mutate({ roomId, messageId: kept.id, text: "kept, edited" })).toMatchObject({ text: "kept, edited" });
    const mallory = second.client({ identity: newIdentitySecret() });
    await mallory.trpc.joinRoom.mutate({ roomId, username: uniqueName("mallory") });
    expect((await trpcError(mallory.trpc.deleteMessage.mutate({ roomId, messageId: kept.id }))).data?.code).toBe("FORBIDDEN");
  });
});

describe.skipIf(redisServerPath === null)("message actions across Redis nodes", () => {
  it("applies edits and reactions made on two nodes at once, and both nodes' readers see one order and one final state", async () => {
    const [a, b] = await Promise.all([startRedisNode(), startRedisNode()]);
    const roomId = uniqueRoomId("nodes");
    const author = a.client({ identity: newIdentitySecret() });
    await author.trpc.joinRoom.mutate({ roomId, username: uniqueName("author") });
    const message = await author.trpc.sendMessage.mutate({ roomId, text: "react to me" });
    const readers = [collectMessages(a.client(), roomId), collectMessages(b.client(), roomId)];
    await Promise.all(readers.map((reader) => reader.started));
    const people = await Promise.all(
      Array.from({ length: 6 }, async (_, index) => {
        const client = (index % 2 === 0 ? a : b).client({ identity: newIdentitySecret() });
        const username = uniqueName(`p${index}`);
        await client.trpc.joinRoom.mutate({ roomId, username });
        return { client, username };
      }),
    );
    await Promise.all([
      ...people.map(({ client }, index) => client.trpc.react.mutate({ roomId, messageId: message.id, emoji: index % 2 === 0 ? "👍" : "🎉", on: true })),
      author.trpc.editMessage.mutate({ roomId, messageId: message.id, text: "react to me, please" }),
    ]);
    await author.trpc.sendMessage.mutate({ roomId, text: "end" });
    for (const reader of readers) await waitFor(() => texts(reader.events).includes("end"), "every reader to see the end");
    const [onA, onB] = readers.map((reader) => reader.events.map((event) => event.id));
    expect(onA).toEqual(onB);
    for (const reader of readers) {
      const state = finalState(reader.events).find((shown) => shown.id === message.id);
      expect(state?.text).toBe("react to me, please");
      expect(state?.reactions.flatMap((reaction) => reaction.usernames).sort()).toEqual(people.map((person) => person.username).sort());
    }
  });
});
