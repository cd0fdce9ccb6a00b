/**
 * The SPA's store and changes to messages, on the real server: edits, deletions and reactions
 * arriving on a room's stream replace the message they target, in place; replies carry their
 * quote through the outbox; mentions of the user while the tab is hidden are counted and
 * notified; and a tab that was away applies what changed meanwhile.
 */
import { MemoryBroker } from "@chat/api";
import type { ChatEvent } from "@chat/api/schema";
import { type ChatClient, type ChatMessage, newIdentitySecret } from "@chat/client";
import { createRoot } from "solid-js";
import { describe, expect, it, onTestFinished } from "vitest";
import WebSocket from "ws";
import { type ConnectionOptions, openConnection } from "../../apps/web/src/connection";
import type { KeyValueStorage } from "../../apps/web/src/lib/storage";
import { type ChatStore, createChatStore, type Notifier, NOTIFY_MENTIONS_KEY } from "../../apps/web/src/stores/chat-store";
import { createFlakyNetwork } from "../fixtures/flaky-network.js";
import { uniqueRoomId, waitFor } from "../fixtures/helpers.js";
import { startTestServer, type TestServer } from "../fixtures/test-server.js";

function memoryStorage(initial: Record<string, string> = {}): KeyValueStorage & { readonly data: Map<string, string> } {
  const data = new Map(Object.entries(initial));
  return { getItem: (key) => data.get(key) ?? null, setItem: (key, value) => void data.set(key, value), data };
}

/** A notifier that records what it shows, with a permission the test sets and a person who answers `answer`. */
function fakeNotifier(permission: NotificationPermission, answer: NotificationPermission = permission) {
  const shown: { title: string; body: string; click: () => void }[] = [];
  let current = permission;
  let asked = 0;
  const notifier: Notifier = {
    permission: () => current,
    request: async () => {
      asked++;
      current = answer;
      return answer;
    },
    show: (title, body, click) => void shown.push({ title, body, click }),
  };
  return { notifier, shown, asked: () => asked };
}

interface TabOptions {
  WebSocket?: ConnectionOptions["WebSocket"];
  identity?: string;
  notifier?: Notifier;
  hidden?: () => boolean;
  storage?: KeyValueStorage;
}

/** One browser tab's connection and store, torn down when the test ends; resolves once online. */
async function openTab(app: TestServer, options: TabOptions = {}): Promise<ChatStore> {
  const connection = openConnection(app.wsUrl, { WebSocket: options.WebSocket ?? WebSocket, retryDelayMs: () => 50, identity: options.identity });
  const { store, dispose } = createRoot((dispose) => ({
    store: createChatStore(connection, {
      storage: options.storage ?? memoryStorage(),
      notifier: options.notifier ?? fakeNotifier("default").notifier,
      hidden: options.hidden ?? (() => false),
    }),
    dispose,
  }));
  onTestFinished(async () => {
    store.dispose();
    dispose();
    await connection.close();
  });
  await waitFor(() => store.status() === "online", "the tab to connect");
  return store;
}

async function person(app: TestServer, roomId: string, username: string): Promise<ChatClient> {
  const client = app.client();
  await client.trpc.joinRoom.mutate({ roomId, username });
  return client;
}

const userMessages = (store: ChatStore, roomId: string): readonly ChatMessage[] =>
  (store.state.rooms.find((room) => room.id === roomId)?.messages ?? []).filter((message) => message.kind === "user");
const find = (store: ChatStore, roomId: string, text: string): ChatMessage | undefined =>
  userMessages(store, roomId).find((message) => message.text === text);

/** The server's current state of every user message of `roomId`, as a tab should show it. */
async function serverState(app: TestServer, roomId: string): Promise<ChatMessage[]> {
  return (await app.server.broker.history(roomId, 100)).filter((message) => message.kind === "user");
}

/** The in-memory broker replaying every event it keeps to every subscriber, updates included. */
class ForgetfulBroker extends MemoryBroker {
  override messages(roomId: string, _afterId: string | null | undefined, signal: AbortSignal): AsyncIterable<ChatEvent> {
    return super.messages(roomId, null, signal);
  }
}

describe("changes to messages in a tab", () => {
  it("applies another person's edit, reactions and deletion in place, and blanks the quotes of a deleted message", async () => {
    const app = await startTestServer();
    const roomId = uniqueRoomId("updates");
    const store = await openTab(app);
    await store.join(roomId, "alice");
    const bob = await person(app, roomId, "bob");
    const first = await bob.trpc.sendMessage.mutate({ roomId, text: "first" });
    await bob.trpc.sendMessage.mutate({ roomId, text: "an answer", replyTo: first.id });
    await waitFor(() => find(store, roomId, "an answer") !== undefined, "bob's reply");
    expect(find(store, roomId, "an answer")?.replyTo).toEqual({ id: first.id, username: "bob", text: "first" });
    const shown = find(store, roomId, "first");

    await bob.trpc.editMessage.mutate({ roomId, messageId: first.id, text: "first, edited" });
    await waitFor(() => find(store, roomId, "first, edited") !== undefined, "the edit");
    const edited = find(store, roomId, "first, edited");
    // The same message in the same place: replaced field by field, so its line keeps its DOM.
    expect(edited).toBe(shown);
    expect(edited?.editedAt).toBeInstanceOf(Date);
    expect(userMessages(store, roomId).map((message) => message.text)).toEqual(["first, edited", "an answer"]);

    await bob.trpc.react.mutate({ roomId, messageId: first.id, emoji: "👍", on: true });
    await store.react(roomId, first.id, "👍", true);
    await waitFor(() => find(store, roomId, "first, edited")?.reactions[0]?.usernames.length === 2, "both reactions");
    expect(find(store, roomId, "first, edited")?.reactions).toEqual([{ emoji: "👍", usernames: ["bob", "alice"] }]);
    await store.react(roomId, first.id, "👍", false);
    await waitFor(() => find(store, roomId, "first, edited")?.reactions[0]?.usernames.length === 1, "alice's reaction taken back");

    // Alice starts a reply to the message bob is about to delete.
    store.setReply(roomId, { id: first.id, username: "bob", text: "first, edited" });
    await bob.trpc.deleteMessage.mutate({ roomId, messageId: first.id });
    await waitFor(() => userMessages(store, roomId)[0]?.deleted === true, "the deletion");
    const [deleted, reply] = userMessages(store, roomId);
    expect(deleted).toMatchObject({ id: first.id, deleted: true, text: "", reactions: [] });
    expect(reply?.replyTo).toEqual({ id: first.id, username: "bob", text: "" });
    expect(store.activeRoom()?.replyTo).toBeNull();
    expect(userMessages(store, roomId)).toEqual(await serverState(app, roomId));
  });

  it("changes only its own messages: another's is refused with the server's reason, and an unknown one too", async () => {
    const app = await startTestServer();
    const roomId = uniqueRoomId("refused");
    const store = await openTab(app);
    await store.join(roomId, "alice");
    const bob = await person(app, roomId, "bob");
    const his = await bob.trpc.sendMessage.mutate({ roomId, text: "bob's own" });
    await waitFor(() => find(store, roomId, "bob's own") !== undefined, "bob's message");

    expect(await store.edit(roomId, his.id, "hijacked")).toBe(false);
    expect(store.activeRoom()?.error).toMatch(/\S/);
    expect(await store.remove(roomId, his.id)).toBe(false);
    expect(await store.edit(roomId, "no-such-message", "anything")).toBe(false);
    expect(find(store, roomId, "bob's own")?.deleted).toBe(false);

    expect(await store.send(roomId, "mine")).toBe(true);
    const mine = find(store, roomId, "mine");
    if (mine === undefined) throw new Error("alice's message is not shown");
    expect(await store.edit(roomId, mine.id, "mine, edited")).toBe(true);
    expect(store.activeRoom()?.error).toBeNull();
    await waitFor(() => find(store, roomId, "mine, edited") !== undefined, "alice's edit");
    expect(await store.remove(roomId, mine.id)).toBe(true);
    await waitFor(() => userMessages(store, roomId).at(-1)?.deleted === true, "alice's deletion");
  });

  it("sends a reply through the outbox: pending with its quote, then stored once, answering that message", async () => {
    const app = await startTestServer();
    const roomId = uniqueRoomId("reply");
    const store = await openTab(app);
    await store.join(roomId, "alice");
    const bob = await person(app, roomId, "bob");
    const question = await bob.trpc.sendMessage.mutate({ roomId, text: "coffee?" });
    await waitFor(() => find(store, roomId, "coffee?") !== undefined, "bob's question");

    const quote = { id: question.id, username: "bob", text: "coffee?" };
    const sent = store.send(roomId, "yes please", quote);
    expect(store.activeRoom()?.pending.map((line) => ({ text: line.text, replyTo: line.replyTo }))).toEqual([{ text: "yes please", replyTo: quote }]);
    expect(await sent).toBe(true);
    expect(store.activeRoom()?.pending).toEqual([]);
    expect(userMessages(store, roomId).filter((message) => message.text === "yes please").map((message) => message.replyTo)).toEqual([quote]);
  });

  it("after its connection drops and comes back, shows what changed meanwhile, as the server has it", async () => {
    const app = await startTestServer();
    const roomId = uniqueRoomId("resume");
    const network = createFlakyNetwork();
    const store = await openTab(app, { WebSocket: network.WebSocket });
    await store.join(roomId, "alice");
    const bob = await person(app, roomId, "bob");
    const kept = await bob.trpc.sendMessage.mutate({ roomId, text: "kept" });
    const gone = await bob.trpc.sendMessage.mutate({ roomId, text: "gone" });
    await store.send(roomId, "alice's");
    await waitFor(() => userMessages(store, roomId).length === 3, "the three messages");
    const alices = find(store, roomId, "alice's");
    if (alices === undefined) throw new Error("alice's message is not shown");

    network.offline = true;
    network.cut();
    await waitFor(() => store.status() === "reconnecting", "the tab to notice the cut");
    await bob.trpc.editMessage.mutate({ roomId, messageId: kept.id, text: "kept, edited" });
    await bob.trpc.deleteMessage.mutate({ roomId, messageId: gone.id });
    await bob.trpc.react.mutate({ roomId, messageId: alices.id, emoji: "🎉", on: true });
    network.offline = false;
    await waitFor(() => store.status() === "online", "the tab to be back online");
    await bob.trpc.sendMessage.mutate({ roomId, text: "after" });
    await waitFor(() => find(store, roomId, "after") !== undefined, "the message after the reconnect");

    expect(userMessages(store, roomId)).toEqual(await serverState(app, roomId));
    expect(userMessages(store, roomId).map((message) => [message.text, message.deleted, message.reactions.length])).toEqual([
      ["kept, edited", false, 0],
      ["", true, 0],
      ["alice's", false, 1],
      ["after", false, 0],
    ]);
  });

  it("shows the current state when the server replays every change it keeps", async () => {
    const app = await startTestServer({}, { broker: new ForgetfulBroker() });
    const roomId = uniqueRoomId("replay");
    const bob = await person(app, roomId, "bob");
    const first = await bob.trpc.sendMessage.mutate({ roomId, text: "draft" });
    await bob.trpc.editMessage.mutate({ roomId, messageId: first.id, text: "final" });
    await bob.trpc.react.mutate({ roomId, messageId: first.id, emoji: "👀", on: true });
    await bob.trpc.react.mutate({ roomId, messageId: first.id, emoji: "👀", on: false });

    const store = await openTab(app);
    await store.join(roomId, "alice");
    await bob.trpc.sendMessage.mutate({ roomId, text: "later" });
    await waitFor(() => find(store, roomId, "later") !== undefined, "the later message");
    expect(userMessages(store, roomId).map((message) => [message.text, message.reactions])).toEqual([
      ["final", []],
      ["later", []],
    ]);
  });
});

describe("mentions of the user", () => {
  it("counts mentions while the tab is hidden and notifies once turned on, asking for permission only then", async () => {
    const app = await startTestServer();
    const roomId = uniqueRoomId("mentions");
    let hidden = false;
    const fake = fakeNotifier("default", "granted");
    const storage = memoryStorage();
    const store = await openTab(app, { notifier: fake.notifier, hidden: () => hidden, storage });
    await store.join(roomId, "alice");
    const bob = await person(app, roomId, "bob");
    expect(fake.asked()).toBe(0);
    expect(store.state.notifyMentions).toBe(false);

    // Seen at once: nothing to count.
    await bob.trpc.sendMessage.mutate({ roomId, text: "hi @alice" });
    await waitFor(() => find(store, roomId, "hi @alice") !== undefined, "the first mention");
    expect(find(store, roomId, "hi @alice")?.mentions).toEqual(["alice"]);
    expect(store.state.unreadMentions).toBe(0);

    hidden = true;
    await bob.trpc.sendMessage.mutate({ roomId, text: "@alice are you there?" });
    await bob.trpc.sendMessage.mutate({ roomId, text: "not a mention of anyone" });
    await waitFor(() => find(store, roomId, "not a mention of anyone") !== undefined, "bob's messages");
    expect(store.state.unreadMentions).toBe(1);
    expect(fake.shown).toEqual([]);

    expect(await store.setNotifyMentions(true)).toBe(true);
    expect(fake.asked()).toBe(1);
    expect(storage.data.get(NOTIFY_MENTIONS_KEY)).toBe("on");
    await bob.trpc.sendMessage.mutate({ roomId, text: "@ALICE hello?" });
    await waitFor(() => store.state.unreadMentions === 2, "the second mention while hidden");
    expect(fake.shown.map(({ title, body }) => ({ title, body }))).toEqual([{ title: `bob mentioned you in #${roomId}`, body: "@ALICE hello?" }]);

    // One's own mention of oneself is no news.
    await store.send(roomId, "note to self @alice");
    expect(store.state.unreadMentions).toBe(2);

    hidden = false;
    store.clearMentions();
    expect(store.state.unreadMentions).toBe(0);
    expect(await store.setNotifyMentions(false)).toBe(false);
    expect(storage.data.get(NOTIFY_MENTIONS_KEY)).toBe("off");
  });

  it("stays off when the browser refuses, and starts on only where it was turned on and is still allowed", async () => {
    const app = await startTestServer();
    const refused = fakeNotifier("default", "denied");
    const store = await openTab(app, { notifier: refused.notifier });
    expect(await store.setNotifyMentions(true)).toBe(false);
    expect(store.state.notifyMentions).toBe(false);

    const remembered = memoryStorage({ [NOTIFY_MENTIONS_KEY]: "on" });
    expect((await openTab(app, { notifier: fakeNotifier("granted").notifier, storage: remembered })).state.notifyMentions).toBe(true);
    expect((await openTab(app, { notifier: fakeNotifier("denied").notifier, storage: remembered })).state.notifyMentions).toBe(false);
    // A second device of the same person starts from its own choice, not another's.
    expect((await openTab(app, { notifier: fakeNotifier("granted").notifier, identity: newIdentitySecret() })).state.notifyMentions).toBe(false);
  });
});
