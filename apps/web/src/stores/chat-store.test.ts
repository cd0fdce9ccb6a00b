import type { ChatMessage, ConnectionStatus, PresenceEvent } from "@chat/api/client";
import { createRoot, createSignal } from "solid-js";
import { afterEach, describe, expect, it } from "vitest";
import type { Connection } from "../connection";
import { type ChatStore, createChatStore, USERNAME_KEY } from "./chat-store";

interface Handlers<T> {
  onData: (value: T) => void;
  onError?: (error: unknown) => void;
}

/** A stand-in for the server: records calls and lets the test push subscription data. */
function fakeServer() {
  const calls: string[] = [];
  const messageSubs = new Map<string, { input: { lastEventId: string | null }; handlers: Handlers<{ id: string; data: ChatMessage }>; open: boolean }>();
  const presenceSubs = new Map<string, { handlers: Handlers<PresenceEvent>; open: boolean }>();
  const history = new Map<string, ChatMessage[]>();
  let sendError: Error | null = null;

  const trpc = {
    joinRoom: {
      mutate: async ({ roomId, username }: { roomId: string; username: string }) => {
        calls.push(`join ${roomId} ${username}`);
        return { roomId, username, history: history.get(roomId) ?? [], members: [{ username }] };
      },
    },
    sendMessage: {
      mutate: async ({ roomId, text }: { roomId: string; text: string }) => {
        calls.push(`send ${roomId} ${text}`);
        if (sendError !== null) throw sendError;
      },
    },
    leaveRoom: {
      mutate: async ({ roomId }: { roomId: string }) => {
        calls.push(`leave ${roomId}`);
        return { roomId };
      },
    },
    onMessage: {
      subscribe: (input: { roomId: string; lastEventId: string | null }, handlers: Handlers<{ id: string; data: ChatMessage }>) => {
        const entry = { input, handlers, open: true };
        messageSubs.set(input.roomId, entry);
        return { unsubscribe: () => void (entry.open = false) };
      },
    },
    onPresence: {
      subscribe: (input: { roomId: string }, handlers: Handlers<PresenceEvent>) => {
        const entry = { handlers, open: true };
        presenceSubs.set(input.roomId, entry);
        return { unsubscribe: () => void (entry.open = false) };
      },
    },
  };

  const [status] = createSignal<ConnectionStatus>("online");
  // The fake implements only what the store calls; the cast stands in for tRPC's proxy type.
  const connection = { trpc: trpc as unknown as Connection["trpc"], status, close: async () => {} } satisfies Connection;

  return {
    connection,
    calls,
    history,
    messageSubs,
    presenceSubs,
    failSends: (error: Error | null) => void (sendError = error),
    deliver: (roomId: string, ...messages: ChatMessage[]) => {
      for (const message of messages) messageSubs.get(roomId)?.handlers.onData({ id: message.id, data: message });
    },
  };
}

let seq = 0;
function message(roomId: string, username: string, text: string, kind: ChatMessage["kind"] = "user"): ChatMessage {
  seq++;
  return { id: `e-${seq}`, roomId, kind, username, text, sentAt: new Date(1_700_000_000_000 + seq * 1000) };
}

function memoryStorage(initial: Record<string, string> = {}) {
  const data = new Map(Object.entries(initial));
  return { getItem: (key: string) => data.get(key) ?? null, setItem: (key: string, value: string) => void data.set(key, value), data };
}

let disposeRoot: (() => void) | undefined;
afterEach(() => disposeRoot?.());

function setup(storage = memoryStorage()) {
  const server = fakeServer();
  const store = createRoot((dispose) => {
    disposeRoot = dispose;
    return createChatStore(server.connection, { storage });
  });
  return { server, store, storage };
}

const texts = (store: ChatStore, roomId: string): string[] =>
  store.state.rooms.find((room) => room.id === roomId)?.messages.map((m) => m.text) ?? [];

describe("createChatStore", () => {
  it("joins a room, shows it, remembers the name and resumes after the last history message", async () => {
    const { server, store, storage } = setup();
    const hello = message("general", "bob", "hello");
    server.history.set("general", [hello]);

    expect(await store.join("general", "alice")).toBe(true);

    expect(store.state.activeRoomId).toBe("general");
    expect(texts(store, "general")).toEqual(["hello"]);
    expect(storage.data.get(USERNAME_KEY)).toBe("alice");
    expect(server.messageSubs.get("general")?.input.lastEventId).toBe(hello.id);
  });

  it("shows each message once when the subscription replays history", async () => {
    const { server, store } = setup();
    const first = message("general", "bob", "one");
    server.history.set("general", [first]);
    await store.join("general", "alice");

    const second = message("general", "bob", "two");
    server.deliver("general", first, second, second);

    expect(texts(store, "general")).toEqual(["one", "two"]);
  });

  it("counts unread messages from others in a room that is not shown, and clears them when shown", async () => {
    const { server, store } = setup();
    await store.join("general", "alice");
    await store.join("random", "alice");
    expect(store.state.activeRoomId).toBe("random");

    server.deliver(
      "general",
      message("general", "bob", "hi"),
      message("general", "alice", "mine"),
      message("general", "carol", "carol joined", "system"),
      message("general", "carol", "hey"),
    );
    server.deliver("random", message("random", "bob", "seen here"));

    const unread = (roomId: string) => store.state.rooms.find((room) => room.id === roomId)?.unread;
    expect(unread("general")).toBe(2);
    expect(unread("random")).toBe(0);

    store.show("general");
    expect(unread("general")).toBe(0);
  });

  it("keeps members current from presence snapshots and deltas", async () => {
    const { server, store } = setup();
    await store.join("general", "alice");
    const presence = server.presenceSubs.get("general");
    presence?.handlers.onData({ type: "snapshot", roomId: "general", members: [{ username: "bob" }, { username: "alice" }] });
    presence?.handlers.onData({ type: "join", roomId: "general", username: "carol" });
    presence?.handlers.onData({ type: "leave", roomId: "general", username: "bob" });

    expect(store.activeRoom()?.members).toEqual(["alice", "carol"]);
  });

  it("leaving tells the server, ends the subscriptions and shows a remaining room", async () => {
    const { server, store } = setup();
    await store.join("general", "alice");
    await store.join("random", "alice");

    await store.leave("random");

    expect(server.calls).toContain("leave random");
    expect(server.messageSubs.get("random")?.open).toBe(false);
    expect(server.presenceSubs.get("random")?.open).toBe(false);
    expect(store.state.rooms.map((room) => room.id)).toEqual(["general"]);
    expect(store.state.activeRoomId).toBe("general");
    // A message still in flight for the left room goes nowhere.
    server.deliver("random", message("random", "bob", "late"));
    expect(store.state.rooms.map((room) => room.id)).toEqual(["general"]);
  });

  it("puts the server's refusal of a message into the room, in words", async () => {
    const { server, store } = setup();
    await store.join("general", "alice");
    server.failSends(new Error("You are sending too fast; try again in 1.2 s."));

    expect(await store.send("general", "hi")).toBe(false);
    expect(store.activeRoom()?.error).toBe("You are sending too fast; try again in 1.2 s.");

    server.failSends(null);
    expect(await store.send("general", "hi again")).toBe(true);
    expect(store.activeRoom()?.error).toBeNull();
  });

  it("opening a room's address joins it under the remembered name", async () => {
    const { server, store } = setup(memoryStorage({ [USERNAME_KEY]: "alice" }));
    store.open("general");
    await Promise.resolve();
    await Promise.resolve();

    expect(server.calls).toEqual(["join general alice"]);
    expect(store.state.activeRoomId).toBe("general");
    expect(store.state.requestedRoomId).toBeNull();
  });

  it("opening a room's address without a remembered name asks for one instead of joining", () => {
    const { server, store } = setup();
    store.open("general");

    expect(server.calls).toEqual([]);
    expect(store.state.requestedRoomId).toBe("general");
  });

  it("refuses to rejoin a room under another name without asking the server", async () => {
    const { server, store } = setup();
    await store.join("general", "alice");

    expect(await store.join("general", "bob")).toBe(false);
    expect(store.state.joinError).toMatch(/already in general as alice/);
    expect(server.calls).toEqual(["join general alice"]);
  });
});
