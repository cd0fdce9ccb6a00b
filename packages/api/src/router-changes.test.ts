import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createContextFactory } from "./context.js";
import { ManualClock } from "./domain/clock.js";
import { guestIdentity } from "./domain/identity.js";
import { MemoryBroker } from "./domain/memory-broker.js";
import type { ChatEvent } from "./schema.js";
import { clientErrorOf, localClient, record } from "./testing/local-client.js";

describe("appRouter's message changes, called through a tRPC client", () => {
  let clock: ManualClock;
  let broker: MemoryBroker;

  /** One connection; with `secret`, of that guest, so two connections with one secret are one person. */
  const connect = (secret?: string): ReturnType<typeof localClient> =>
    localClient(
      createContextFactory({ broker, clock, sendRate: { burst: 5, perSecond: 1 }, onBackgroundError: () => undefined })({
        identity: secret === undefined ? undefined : guestIdentity(secret),
      }),
    );

  /** A connection that joined `general` as `username`. */
  const joined = async (username: string, secret?: string): Promise<ReturnType<typeof localClient>> => {
    const chat = connect(secret);
    await chat.joinRoom.mutate({ roomId: "general", username });
    return chat;
  };

  beforeEach(() => {
    clock = new ManualClock(1_700_000_000_000);
    broker = new MemoryBroker({ clock });
  });

  afterEach(async () => {
    await broker.close();
  });

  it("lets the author edit and delete, from another connection of the same identity too", async () => {
    const secret = "a".repeat(22);
    const alice = await joined("alice", secret);
    const sent = await alice.sendMessage.mutate({ roomId: "general", text: "helo" });
    clock.advance(5000);
    const edited = await alice.editMessage.mutate({ roomId: "general", messageId: sent.id, text: " hello " });
    expect(edited).toMatchObject({ id: sent.id, text: "hello", editedAt: new Date(clock.now()) });
    const sameAlice = await joined("alice", secret);
    expect(await sameAlice.deleteMessage.mutate({ roomId: "general", messageId: sent.id })).toMatchObject({ deleted: true, text: "" });
  });

  it("answers FORBIDDEN to anyone else's edit or deletion, NOT_FOUND to an unknown id, and changes nothing", async () => {
    const alice = await joined("alice", "a".repeat(22));
    const bob = await joined("bob", "b".repeat(22));
    const sent = await alice.sendMessage.mutate({ roomId: "general", text: "mine" });
    for (const call of [
      bob.editMessage.mutate({ roomId: "general", messageId: sent.id, text: "yours" }),
      bob.deleteMessage.mutate({ roomId: "general", messageId: sent.id }),
    ]) {
      const error = await clientErrorOf(call);
      expect(error.data.code).toBe("FORBIDDEN");
      expect(error.message).toMatch(/Only the person who sent a message/);
    }
    expect((await clientErrorOf(alice.editMessage.mutate({ roomId: "general", messageId: "nope", text: "x" }))).data.code).toBe("NOT_FOUND");
    expect((await clientErrorOf(alice.sendMessage.mutate({ roomId: "general", text: "re", replyTo: "nope" }))).data.code).toBe("NOT_FOUND");
    expect((await broker.message("general", sent.id))?.text).toBe("mine");
  });

  it("answers FORBIDDEN to a change in a room the connection has not joined", async () => {
    const alice = await joined("alice");
    const sent = await alice.sendMessage.mutate({ roomId: "general", text: "hi" });
    const error = await clientErrorOf(connect().react.mutate({ roomId: "general", messageId: sent.id, emoji: "👍", on: true }));
    expect(error.data.code).toBe("FORBIDDEN");
    expect(error.message).toBe("Join general before reacting there.");
  });

  it("answers BAD_REQUEST to anything but one emoji, and to a reaction to a system line", async () => {
    const alice = await joined("alice");
    const sent = await alice.sendMessage.mutate({ roomId: "general", text: "hi" });
    for (const emoji of ["", "ok", "👍👍", "👍 ", "<b>"]) {
      const error = await clientErrorOf(alice.react.mutate({ roomId: "general", messageId: sent.id, emoji, on: true }));
      expect(error.data.code).toBe("BAD_REQUEST");
      expect(error.message).toBe("Pick one emoji to react with.");
    }
    const joinLine = (await broker.history("general", 10)).find((message) => message.kind === "system");
    const error = await clientErrorOf(alice.react.mutate({ roomId: "general", messageId: joinLine?.id ?? "", emoji: "👍", on: true }));
    expect(error.data.code).toBe("BAD_REQUEST");
  });

  it("takes flags, keycaps, skin tones and joined emoji as one emoji each", async () => {
    const alice = await joined("alice");
    const sent = await alice.sendMessage.mutate({ roomId: "general", text: "hi" });
    let reactions = sent.reactions;
    for (const emoji of ["🇫🇷", "1️⃣", "👍🏽", "🧑🏽‍💻"]) {
      ({ reactions } = await alice.react.mutate({ roomId: "general", messageId: sent.id, emoji, on: true }));
    }
    expect(reactions.map((reaction) => reaction.emoji)).toEqual(["🇫🇷", "1️⃣", "👍🏽", "🧑🏽‍💻"]);
  });

  it("quotes the replied-to message, resolves mentions of present members only, and streams updates", async () => {
    const alice = await joined("alice");
    const bob = await joined("Bob Smith");
    const stream = record<{ id: string; data: ChatEvent }>((handlers) => connect().onMessage.subscribe({ roomId: "general" }, handlers));
    await stream.started;
    const question = await alice.sendMessage.mutate({ roomId: "general", text: `${"long question ".repeat(20)}?` });
    const reply = await bob.sendMessage.mutate({ roomId: "general", text: "@alice yes, and @carol too; ask @bob smith", replyTo: question.id });
    expect(reply.replyTo).toEqual({ id: question.id, username: "alice", text: Array.from(question.text).slice(0, 200).join("") });
    expect(reply.mentions).toEqual(["alice", "Bob Smith"]);
    const edited = await bob.editMessage.mutate({ roomId: "general", messageId: reply.id, text: "nobody@alice.example" });
    expect(edited.mentions).toEqual([]);
    await expect.poll(() => stream.events.at(-1)?.data).toMatchObject({ kind: "update", target: reply.id, message: { text: "nobody@alice.example" } });
    stream.unsubscribe();
  });

  it("charges edits, deletions and reactions to the send budget, and refuses with TOO_MANY_REQUESTS past it", async () => {
    const alice = await joined("alice");
    const sent = await alice.sendMessage.mutate({ roomId: "general", text: "hi" });
    const emoji = ["😀", "😁", "😂", "😃"];
    for (const one of emoji) await alice.react.mutate({ roomId: "general", messageId: sent.id, emoji: one, on: true });
    const error = await clientErrorOf(alice.editMessage.mutate({ roomId: "general", messageId: sent.id, text: "edited" }));
    expect(error.data.code).toBe("TOO_MANY_REQUESTS");
    expect(error.data.retryAfterMs).toBeGreaterThan(0);
    expect((await broker.message("general", sent.id))?.text).toBe("hi");
  });
});
