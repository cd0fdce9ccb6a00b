/**
 * The SPA's store (`createChatStore`) on the real server over real WebSockets: what a tab shows,
 * and what it asks the server, as people use it. Solid runs its browser build here (see
 * vitest.config.ts), so the store's signals and memos react as they do in the page.
 */
import { MemoryBroker } from "@chat/api";
import type { ChatEvent } from "@chat/api/schema";
import { type ChatClient, type ChatMessage, newIdentitySecret } from "@chat/client";
import { createRoot } from "solid-js";
import { describe, expect, it, onTestFinished } from "vitest";
import WebSocket from "ws";
import { type Connection, type ConnectionOptions, openConnection } from "../../apps/web/src/connection";
import type { KeyValueStorage } from "../../apps/web/src/lib/storage";
import { type ChatStore, createChatStore, MAX_MESSAGES_PER_ROOM, USERNAME_KEY } from "../../apps/web/src/stores/chat-store";
import type { PendingMessage } from "../../apps/web/src/stores/outbox";
import { GAP_NOTICE_TEXT, ManualClock } from "@chat/api";
import { createFlakyNetwork } from "../fixtures/flaky-network.js";
import { collectPresence, uniqueRoomId, waitFor } from "../fixtures/helpers.js";
import { startTestServer, type TestServer } from "../fixtures/test-server.js";
import { createWireTap } from "../fixtures/wire-tap.js";

/** `localStorage` for Node, which has none; `data` shows what the store remembered. */
function memoryStorage(initial: Record<string, string> = {}): KeyValueStorage & { readonly data: Map<string, string> } {
  const data = new Map(Object.entries(initial));
  return { getItem: (key) => data.get(key) ?? null, setItem: (key, value) => void data.set(key, value), data };
}

interface Tab {
  readonly store: ChatStore;
  /** The tab's own connection, for a round trip on the same socket as the store's calls. */
  readonly connection: Connection;
}

/**
 * What one browser tab runs: its own connection to `app` and the store on it, in a Solid root,
 * all torn down when the test ends. Resolves once the tab is online.
 */
async function openTab(
  app: TestServer,
  options: { storage?: KeyValueStorage; WebSocket?: ConnectionOptions["WebSocket"]; typingTimeoutMs?: number; identity?: string } = {},
): Promise<Tab> {
  const connection = openConnection(app.wsUrl, { WebSocket: options.WebSocket ?? WebSocket, retryDelayMs: () => 50, identity: options.identity });
  const { store, dispose } = createRoot((dispose) => ({
    store: createChatStore(connection, { storage: options.storage ?? memoryStorage(), typingTimeoutMs: options.typingTimeoutMs }),
    dispose,
  }));
  onTestFinished(async () => {
    store.dispose();
    dispose();
    await connection.close();
  });
  await waitFor(() => store.status() === "online", "the tab to connect");
  return { store, connection };
}

/**
 * A server and a tab in which alice joined two rooms, `random` last (so it is shown); `identity`
 * is alice's, for her other devices.
 */
async function aliceInTwoRooms(): Promise<{ app: TestServer; store: ChatStore; general: string; random: string; identity: string }> {
  const app = await startTestServer();
  const general = uniqueRoomId("general");
  const random = uniqueRoomId("random");
  const identity = newIdentitySecret();
  const { store } = await openTab(app, { identity });
  await store.join(general, "alice");
  await store.join(random, "alice");
  return { app, store, general, random, identity };
}

/** Someone, on a plain client of their own, in `roomId`: someone else unless given a tab's `identity`. */
async function person(app: TestServer, roomId: string, username: string, identity?: string): Promise<ChatClient> {
  const client = app.client({ identity });
  await client.trpc.joinRoom.mutate({ roomId, username });
  return client;
}

async function say(client: ChatClient, roomId: string, text: string): Promise<void> {
  await client.trpc.sendMessage.mutate({ roomId, text });
}

const messagesIn = (store: ChatStore, roomId: string): readonly ChatMessage[] =>
  store.state.rooms.find((room) => room.id === roomId)?.messages ?? [];
const textsIn = (store: ChatStore, roomId: string): string[] => messagesIn(store, roomId).map((message) => message.text);
const userTextsIn = (store: ChatStore, roomId: string): string[] =>
  messagesIn(store, roomId)
    .filter((message) => message.kind === "user")
    .map((message) => message.text);
const roomIds = (store: ChatStore): string[] => store.state.rooms.map((room) => room.id);
const pendingIn = (store: ChatStore, roomId: string): readonly PendingMessage[] =>
  store.state.rooms.find((room) => room.id === roomId)?.pending ?? [];

/** The ids of everything the server keeps of `roomId`, oldest first: what a tab should show. */
async function serverHistoryIds(app: TestServer, roomId: string): Promise<string[]> {
  return (await app.server.broker.history(roomId, MAX_MESSAGES_PER_ROOM)).map((message) => message.id);
}

/**
 * The in-memory broker, unable to place any reader: every subscription gets all the room keeps,
 * as the `ChatBroker` contract allows for an id a broker does not hold (a restarted or failed-over
 * node). What a tab already has then arrives again, which the tab must not show twice.
 */
/**
 * The in-memory broker, recording each publish's client message id and refusals, and calling
 * `afterStore` between storing a message and replying: where a test can lose the reply.
 */
class RecordingBroker extends MemoryBroker {
  readonly published: { text: string; clientMessageId: string | undefined }[] = [];
  readonly refused: unknown[] = [];
  afterStore: (message: ChatMessage) => void = () => undefined;

  override async publish(...args: Parameters<MemoryBroker["publish"]>): Promise<ChatMessage> {
    const [, draft, options] = args;
    this.published.push({ text: draft.text, clientMessageId: options?.clientMessageId });
    try {
      const message = await super.publish(...args);
      this.afterStore(message);
      return message;
    } catch (error) {
      this.refused.push(error);
      throw error;
    }
  }
}

class ForgetfulBroker extends MemoryBroker {
  override messages(roomId: string, _afterId: string | null | undefined, signal: AbortSignal): AsyncIterable<ChatEvent> {
    return super.messages(roomId, null, signal);
  }
}

describe("a tab's rooms", () => {
  it("joins a room, shows it, remembers the name and asks only for what came after the history", async () => {
    const app = await startTestServer();
    const roomId = uniqueRoomId("join");
    const bob = await person(app, roomId, "bob");
    await say(bob, roomId, "hello");
    const tap = createWireTap();
    const storage = memoryStorage();
    const { store } = await openTab(app, { storage, WebSocket: tap.WebSocket });

    expect(await store.join(roomId, "alice")).toBe(true);

    expect(store.state.activeRoomId).toBe(roomId);
    expect(store.activeRoom()?.username).toBe("alice");
    expect(textsIn(store, roomId)).toEqual(["bob joined", "hello", "alice joined"]);
    expect(storage.data.get(USERNAME_KEY)).toBe("alice");
    const lastInHistory = messagesIn(store, roomId).at(-1)?.id;
    expect(lastInHistory).toBeDefined();
    await say(bob, roomId, "welcome");
    await waitFor(() => textsIn(store, roomId).includes("welcome"), "bob's welcome");
    expect(textsIn(store, roomId)).toEqual(["bob joined", "hello", "alice joined", "welcome"]);
    expect(tap.calls("onMessage").map((request) => request.params.input)).toEqual([{ roomId, lastEventId: lastInHistory }]);
  });

  it("shows each message once when the server replays what the tab already has", async () => {
    const app = await startTestServer({}, { broker: new ForgetfulBroker() });
    const roomId = uniqueRoomId("replay");
    const bob = await person(app, roomId, "bob");
    await say(bob, roomId, "one");
    const network = createFlakyNetwork();
    const { store } = await openTab(app, { WebSocket: network.WebSocket });

    // The subscription replays the whole history the join already returned.
    await store.join(roomId, "alice");
    await say(bob, roomId, "two");
    await waitFor(() => textsIn(store, roomId).includes("two"), "bob's second message");
    // After a reconnect it replays everything again, live messages included.
    network.cut();
    await waitFor(() => store.status() === "reconnecting", "the tab to notice the cut");
    await waitFor(() => store.status() === "online", "the tab to be back online");
    await say(bob, roomId, "three");
    await waitFor(() => textsIn(store, roomId).includes("three"), "bob's third message");

    expect(userTextsIn(store, roomId)).toEqual(["one", "two", "three"]);
    expect(messagesIn(store, roomId).map((message) => message.id)).toEqual(await serverHistoryIds(app, roomId));
  });

  it("counts messages from others in a room that is not shown as unread, and clears them when shown", async () => {
    const { app, store, general, random, identity } = await aliceInTwoRooms();
    expect(store.state.activeRoomId).toBe(random);

    const bob = await person(app, general, "bob");
    await say(bob, general, "hi");
    expect(await store.send(general, "mine")).toBe(true);
    // The same person on another device: still their own message.
    await say(await person(app, general, "alice", identity), general, "from my phone");
    await say(await person(app, general, "carol"), general, "hey");
    await bob.trpc.joinRoom.mutate({ roomId: random, username: "bob" });
    await say(bob, random, "seen here");
    await waitFor(
      () => textsIn(store, general).includes("hey") && textsIn(store, random).includes("seen here"),
      "the messages in both rooms",
    );

    const unread = (roomId: string): number | undefined => store.state.rooms.find((room) => room.id === roomId)?.unread;
    expect(textsIn(store, general)).toEqual(["alice joined", "bob joined", "hi", "mine", "from my phone", "carol joined", "hey"]);
    expect(unread(general)).toBe(2);
    expect(unread(random)).toBe(0);

    store.show(general);

    expect(store.state.activeRoomId).toBe(general);
    expect(unread(general)).toBe(0);
  });

  it("keeps the member list current as people come and go", async () => {
    const app = await startTestServer();
    const roomId = uniqueRoomId("members");
    const bob = await person(app, roomId, "bob");
    const { store } = await openTab(app);
    await store.join(roomId, "alice");
    const members = (): string[] | undefined => store.activeRoom()?.members;
    expect(members()).toEqual(["alice", "bob"]);

    await person(app, roomId, "Carol");
    await waitFor(() => members()?.length === 3, "carol to arrive");
    expect(members()).toEqual(["alice", "bob", "Carol"]);

    await bob.trpc.leaveRoom.mutate({ roomId });
    await waitFor(() => members()?.length === 2, "bob to leave");
    expect(members()).toEqual(["alice", "Carol"]);
  });

  it("leaving tells the server, ends the room's subscriptions and shows a remaining room", async () => {
    const { app, store, general, random } = await aliceInTwoRooms();
    const bob = await person(app, general, "bob");
    await bob.trpc.joinRoom.mutate({ roomId: random, username: "bob" });
    // A message and a presence subscription per room; nobody else subscribes on this server.
    await waitFor(() => app.server.broker.stats().streams === 4, "the tab's subscriptions to start");

    await store.leave(random);

    expect(roomIds(store)).toEqual([general]);
    expect(store.state.activeRoomId).toBe(general);
    expect((await app.server.broker.members(random)).map((member) => member.username)).toEqual(["bob"]);
    await waitFor(() => app.server.broker.stats().streams === 2, "the left room's subscriptions to end");
    // What is said there afterwards reaches the tab no more; the marker shows the tab is still listening.
    await say(bob, random, "late");
    await say(bob, general, "marker");
    await waitFor(() => textsIn(store, general).includes("marker"), "the marker in the remaining room");
    expect(roomIds(store)).toEqual([general]);
  });

  it("keeps a message refused for sending too fast pending, and sends it again after the delay the server names", async () => {
    const clock = new ManualClock();
    const broker = new RecordingBroker();
    const app = await startTestServer({ SEND_RATE_BURST: "1", SEND_RATE_PER_SEC: "1" }, { broker, clock });
    const roomId = uniqueRoomId("refused");
    const { store } = await openTab(app);
    await store.join(roomId, "alice");

    expect(await store.send(roomId, "first")).toBe(true);
    const tooSoon = store.send(roomId, "too soon");
    await waitFor(() => broker.refused.length === 1, "the server to refuse the second message");
    expect(pendingIn(store, roomId)).toMatchObject([{ text: "too soon", status: "sending", error: null }]);

    clock.advance(1000);
    expect(await tooSoon).toBe(true);
    expect(pendingIn(store, roomId)).toEqual([]);
    expect(userTextsIn(store, roomId)).toEqual(["first", "too soon"]);
    expect(store.activeRoom()?.error).toBeNull();
  });

  it("refuses to rejoin a room under another name without asking the server", async () => {
    const app = await startTestServer();
    const roomId = uniqueRoomId("rename");
    const tap = createWireTap();
    const { store } = await openTab(app, { WebSocket: tap.WebSocket });
    await store.join(roomId, "alice");

    expect(await store.join(roomId, "bob")).toBe(false);

    expect(store.state.joinError).toBe(`You are already in ${roomId} as alice; leave it first to change your name.`);
    expect(tap.calls("joinRoom").map((request) => request.params.input)).toEqual([{ roomId, username: "alice" }]);
    expect(roomIds(store)).toEqual([roomId]);
    expect(store.activeRoom()?.username).toBe("alice");
  });
});

describe("who is typing", () => {
  it("shows who else is typing until their message arrives, and tells the room when its own user types", async () => {
    const app = await startTestServer();
    const roomId = uniqueRoomId("typing");
    const bob = await person(app, roomId, "bob");
    const bobSees = collectPresence(bob, roomId);
    await bobSees.started;
    // Longer than any wait below: only bob's message (or leave) can end his typing here.
    const { store } = await openTab(app, { typingTimeoutMs: 600_000 });
    await store.join(roomId, "alice");
    const typing = (): string[] | undefined => store.activeRoom()?.typing;

    await bob.trpc.sendTyping.mutate({ roomId });
    await waitFor(() => typing()?.length === 1, "bob to be shown typing");
    expect(typing()).toEqual(["bob"]);
    await say(bob, roomId, "done typing");
    await waitFor(() => typing()?.length === 0, "bob's message to end his typing");

    const aliceTyping = (): number =>
      bobSees.events.filter((event) => event.type === "typing" && event.username === "alice").length;
    expect(aliceTyping()).toBe(0);
    store.setDraft(roomId, "h");
    await waitFor(() => aliceTyping() === 1, "alice's typing to reach bob");
  });

  it("tells the room once per interval however fast its user types, and never for an emptied box", async () => {
    const app = await startTestServer();
    const roomId = uniqueRoomId("typing");
    const tap = createWireTap();
    const { store } = await openTab(app, { WebSocket: tap.WebSocket });
    await store.join(roomId, "alice");

    for (const draft of ["h", "he", "hel", "hell", "hello"]) store.setDraft(roomId, draft);
    store.setDraft(roomId, "");
    // A round trip on the same socket after them: every frame the drafts caused has gone out.
    await store.send(roomId, "hello");

    expect(tap.calls("sendTyping").map((request) => request.params.input)).toEqual([{ roomId }]);
  });

  it("never shows its own name as typing, and drops someone who leaves", async () => {
    const app = await startTestServer();
    const roomId = uniqueRoomId("typing");
    const identity = newIdentitySecret();
    const { store } = await openTab(app, { typingTimeoutMs: 600_000, identity });
    await store.join(roomId, "alice");
    const otherAliceTab = await person(app, roomId, "alice", identity);
    const bob = await person(app, roomId, "bob");
    const typing = (): string[] | undefined => store.activeRoom()?.typing;

    // One presence stream carries both in order: once bob shows, alice's own signal was seen and skipped.
    await otherAliceTab.trpc.sendTyping.mutate({ roomId });
    await bob.trpc.sendTyping.mutate({ roomId });
    await waitFor(() => typing()?.length === 1, "bob to be shown typing");
    expect(typing()).toEqual(["bob"]);

    await bob.trpc.leaveRoom.mutate({ roomId });
    await waitFor(() => typing()?.length === 0, "bob's leave to end his typing");
  });
});

describe("a room's address", () => {
  it("opening a room's address joins it under the remembered name", async () => {
    const app = await startTestServer();
    const roomId = uniqueRoomId("address");
    const { store } = await openTab(app, { storage: memoryStorage({ [USERNAME_KEY]: "alice" }) });

    store.open(roomId);

    await waitFor(() => store.state.activeRoomId === roomId, "the room to be joined and shown");
    expect(store.activeRoom()?.username).toBe("alice");
    expect(store.state.requestedRoomId).toBeNull();
    expect((await app.server.broker.members(roomId)).map((member) => member.username)).toEqual(["alice"]);
  });

  it("opening the address of a joined room shows it without joining again", async () => {
    const app = await startTestServer();
    const [first, second] = [uniqueRoomId("first"), uniqueRoomId("second")];
    const tap = createWireTap();
    const { store, connection } = await openTab(app, { WebSocket: tap.WebSocket });
    await store.join(first, "alice");
    await store.join(second, "alice");

    store.open(first);

    expect(store.state.activeRoomId).toBe(first);
    await connection.trpc.listRooms.query();
    expect(tap.calls("joinRoom")).toHaveLength(2);
  });

  it("opening a room's address without a remembered name asks for one instead of joining", async () => {
    const app = await startTestServer();
    const roomId = uniqueRoomId("noname");
    const tap = createWireTap();
    const { store, connection } = await openTab(app, { WebSocket: tap.WebSocket });

    store.open(roomId);

    expect(store.state.requestedRoomId).toBe(roomId);
    expect(store.state.joining).toBe(false);
    // A join the store had started would be on the wire before this later request.
    await connection.trpc.listRooms.query();
    expect(tap.calls("joinRoom")).toEqual([]);
    expect(store.state.rooms).toEqual([]);
    // Once the name is given, the room asked for is joined and no longer asked for.
    expect(await store.join(roomId, "alice")).toBe(true);
    expect(store.state.requestedRoomId).toBeNull();
  });
});

describe("several tabs and a dropped network", () => {
  it("two tabs in one room see each other's messages, in the same order", async () => {
    const app = await startTestServer();
    const roomId = uniqueRoomId("tabs");
    const alice = await openTab(app);
    const bob = await openTab(app);
    await alice.store.join(roomId, "alice");
    await bob.store.join(roomId, "bob");

    expect(await alice.store.send(roomId, "hi bob")).toBe(true);
    expect(await bob.store.send(roomId, "hi alice")).toBe(true);

    const bothSee = (text: string): boolean => [alice, bob].every((tab) => textsIn(tab.store, roomId).includes(text));
    await waitFor(() => bothSee("hi bob") && bothSee("hi alice"), "both tabs to show both messages");
    expect(textsIn(alice.store, roomId)).toEqual(["alice joined", "bob joined", "hi bob", "hi alice"]);
    expect(messagesIn(bob.store, roomId)).toEqual(messagesIn(alice.store, roomId));
    await waitFor(() => alice.store.activeRoom()?.members.length === 2, "alice's tab to see bob");
    expect(alice.store.activeRoom()?.members).toEqual(["alice", "bob"]);
    expect(bob.store.activeRoom()?.members).toEqual(["alice", "bob"]);
  });

  it("after its connection drops and comes back, a tab shows what was said meanwhile exactly once, in order", async () => {
    const app = await startTestServer();
    const roomId = uniqueRoomId("dropped");
    const network = createFlakyNetwork();
    const { store } = await openTab(app, { WebSocket: network.WebSocket });
    await store.join(roomId, "alice");
    const bob = await person(app, roomId, "bob");
    await say(bob, roomId, "before");
    await waitFor(() => textsIn(store, roomId).includes("before"), "the message before the cut");

    network.offline = true;
    network.cut();
    await waitFor(() => store.status() === "reconnecting", "the tab to notice the cut");
    for (let index = 1; index <= 5; index++) await say(bob, roomId, `missed ${index}`);
    network.offline = false;
    await waitFor(() => store.status() === "online", "the tab to be back online");
    await say(bob, roomId, "after");
    await waitFor(() => textsIn(store, roomId).includes("after"), "the message after the reconnect");

    expect(userTextsIn(store, roomId)).toEqual(["before", "missed 1", "missed 2", "missed 3", "missed 4", "missed 5", "after"]);
    // Whether the 50 ms leave grace ran out while offline decides if "alice left/joined" were said;
    // either way the tab shows exactly what the server kept.
    expect(messagesIn(store, roomId).map((message) => message.id)).toEqual(await serverHistoryIds(app, roomId));
    expect(network.sockets.length).toBeGreaterThan(1);
  });
});

describe("the outbox", () => {
  it("shows a message sent while offline as pending, in its room while another is shown, then stored exactly once", async () => {
    const app = await startTestServer();
    const [general, random] = [uniqueRoomId("general"), uniqueRoomId("random")];
    const network = createFlakyNetwork();
    const { store } = await openTab(app, { WebSocket: network.WebSocket });
    await store.join(general, "alice");
    await store.join(random, "alice");
    store.show(general);

    network.offline = true;
    network.cut();
    await waitFor(() => store.status() === "reconnecting", "the tab to notice the cut");
    const sent = store.send(general, "while away");
    expect(pendingIn(store, general)).toEqual([{ clientMessageId: expect.any(String), text: "while away", replyTo: null, status: "sending", error: null }]);
    store.show(random);
    expect(pendingIn(store, general)).toMatchObject([{ text: "while away", status: "sending" }]);

    network.offline = false;
    expect(await sent).toBe(true);
    const bob = await person(app, general, "bob");
    await say(bob, general, "marker");
    await waitFor(() => textsIn(store, general).includes("marker"), "a message after the reconnect");

    expect(pendingIn(store, general)).toEqual([]);
    expect(userTextsIn(store, general)).toEqual(["while away", "marker"]);
    expect(messagesIn(store, general).map((message) => message.id)).toEqual(await serverHistoryIds(app, general));
  });

  it("sends a message whose reply was lost again under the same id, and shows the one stored copy", async () => {
    const broker = new RecordingBroker();
    const app = await startTestServer({}, { broker });
    const roomId = uniqueRoomId("lostack");
    const network = createFlakyNetwork();
    const { store } = await openTab(app, { WebSocket: network.WebSocket });
    await store.join(roomId, "alice");
    // The socket dies after the server stored the message, before its reply can leave.
    broker.afterStore = (message) => {
      if (message.text !== "lost reply") return;
      broker.afterStore = () => undefined;
      network.cut();
    };

    expect(await store.send(roomId, "lost reply")).toBe(true);
    const bob = await person(app, roomId, "bob");
    await say(bob, roomId, "marker");
    await waitFor(() => textsIn(store, roomId).includes("marker"), "a message after the retry");

    const sends = broker.published.filter((publish) => publish.text === "lost reply");
    expect(sends).toHaveLength(2);
    expect(sends[1]?.clientMessageId).toBe(sends[0]?.clientMessageId);
    expect(network.sockets.length).toBeGreaterThan(1);
    expect(pendingIn(store, roomId)).toEqual([]);
    expect(userTextsIn(store, roomId)).toEqual(["lost reply", "marker"]);
    expect(messagesIn(store, roomId).map((message) => message.id)).toEqual(await serverHistoryIds(app, roomId));
  });

  it("marks a message the server refuses for good as failed with the reason, to retry or discard", async () => {
    const app = await startTestServer();
    const roomId = uniqueRoomId("failed");
    const { store, connection } = await openTab(app);
    await store.join(roomId, "alice");
    // The server forgets this connection's membership behind the store's back.
    await connection.trpc.leaveRoom.mutate({ roomId });

    expect(await store.send(roomId, "try me again")).toBe(false);
    expect(await store.send(roomId, "never mind")).toBe(false);
    const refusal = `Join ${roomId} before sending to it.`;
    expect(pendingIn(store, roomId)).toMatchObject([
      { text: "try me again", status: "failed", error: refusal },
      { text: "never mind", status: "failed", error: refusal },
    ]);

    await connection.trpc.joinRoom.mutate({ roomId, username: "alice" });
    const [retried, discarded] = pendingIn(store, roomId).map((line) => line.clientMessageId);
    store.retry(retried ?? "");
    store.discard(discarded ?? "");
    await waitFor(() => pendingIn(store, roomId).length === 0, "the retried message to be stored");

    expect(userTextsIn(store, roomId)).toEqual(["try me again"]);
    expect((await app.server.broker.history(roomId, 10)).filter((message) => message.kind === "user").map((m) => m.text)).toEqual([
      "try me again",
    ]);
  });
});

describe("a gap in a room's history", () => {
  it("shows one gap line, then the retained messages each once, after coming back past the history's reach", async () => {
    // A long grace keeps alice in the room while she is away, so no leave or join line lands among the 50.
    const app = await startTestServer({ STORE: "memory", HISTORY_SIZE: "50", LEAVE_GRACE_MS: "60000" });
    const roomId = uniqueRoomId("gap");
    const other = uniqueRoomId("other");
    const bob = await person(app, roomId, "bob");
    const network = createFlakyNetwork();
    const { store } = await openTab(app, { WebSocket: network.WebSocket });
    await store.join(roomId, "alice");
    await say(bob, roomId, "before");
    await waitFor(() => textsIn(store, roomId).includes("before"), "bob's first message");
    // Shown elsewhere, so the room counts unread lines while the tab is away.
    await store.join(other, "alice");
    const had = messagesIn(store, roomId).map((message) => message.id);

    network.offline = true;
    network.cut();
    await waitFor(() => store.status() === "reconnecting", "the tab to notice the cut");
    // More than the room keeps, straight into the broker: bob's send budget is not the point.
    const missed = Array.from({ length: 120 }, (_, index) => `m${index + 1}`);
    for (const text of missed) await app.server.broker.publish(roomId, { kind: "user", username: "bob", text });
    network.offline = false;
    await waitFor(() => textsIn(store, roomId).includes("m120"), "the retained messages");

    const shown = messagesIn(store, roomId);
    expect(shown.slice(0, had.length).map((message) => message.id)).toEqual(had);
    expect(shown.filter((message) => message.kind === "gap").map((message) => message.text)).toEqual([GAP_NOTICE_TEXT]);
    expect(shown[had.length]?.kind).toBe("gap");
    expect(shown.slice(had.length + 1).map((message) => message.text)).toEqual(missed.slice(-50));
    expect(new Set(shown.map((message) => message.id)).size).toBe(shown.length);
    // Only what bob said counts: the notice is nobody's line.
    expect(store.state.rooms.find((room) => room.id === roomId)?.unread).toBe(50);
  });
});
