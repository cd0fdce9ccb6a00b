/**
 * The chat's state and actions: the rooms this tab joined, their messages and members, which
 * one is shown, and the remembered name. It is the only user of the connection.
 */
import type { ChatMessage, ConnectionStatus } from "@chat/client";
import { TYPING_INTERVAL_MS, TYPING_TIMEOUT_MS } from "@chat/api/schema";
import { type Accessor, batch, createMemo } from "solid-js";
import { createStore, produce } from "solid-js/store";
import type { Connection } from "../connection";
import { takeUnseen } from "../lib/dedupe";
import { errorMessage } from "../lib/error-message";
import { applyPresence } from "../lib/presence";
import { browserStorage, type KeyValueStorage, readKey, writeKey } from "../lib/storage";
import { createTypingTracker, type TypingTracker } from "../lib/typing";
import { countsAsUnread } from "../lib/unread";
import type { ChatState, RoomState } from "./chat-state";
import { createOutbox } from "./outbox";
import { createPendingView } from "./pending-view";

export type { ChatState, RoomState } from "./chat-state";

/** Where the last used name is kept between visits. */
export const USERNAME_KEY = "chat.username";

/** Messages kept per room in the page, as many as the server retains: a tab left open in a busy room stays light. */
export const MAX_MESSAGES_PER_ROOM = 1000;

/** The store's public face, provided to components by `ChatProvider`. */
export interface ChatStore {
  /** Read-only reactive state. */
  readonly state: ChatState;
  /** The connection's status, reactive. */
  readonly status: Accessor<ConnectionStatus>;
  /** The room shown, if any. */
  readonly activeRoom: Accessor<RoomState | undefined>;
  /** Joins `roomId` (already validated) as `username` and shows it; `false` if refused. */
  join(roomId: string, username: string): Promise<boolean>;
  /** Follows an address naming `roomId`: show it if joined, join it if a name is known, else ask. */
  open(roomId: string): void;
  /** Shows a joined room and clears its unread count. */
  show(roomId: string): void;
  /**
   * Sends `text` (already validated) to a joined room, shown at once as pending and sent again
   * after a dropped connection until stored once; `true` once stored, `false` if refused for good
   * (it then shows as failed, to retry or discard) or the room was left.
   */
  send(roomId: string, text: string): Promise<boolean>;
  /** Sends a failed message again, under the same client message id. */
  retry(clientMessageId: string): void;
  /** Drops a failed message from the room. */
  discard(clientMessageId: string): void;
  /** Leaves a room: tells the server, ends its subscriptions, drops it from the list. */
  leave(roomId: string): Promise<void>;
  /** Keeps the message being typed in a room, and tells the others (throttled) that someone is typing. */
  setDraft(roomId: string, text: string): void;
  /** Ends every subscription; the connection itself belongs to the caller. */
  dispose(): void;
}

/** Options of `createChatStore`. */
export interface ChatStoreOptions {
  /** Where the name is remembered. @default localStorage, or nothing where it is unavailable */
  storage?: KeyValueStorage;
  /** How long someone shows as typing after their last signal. @default TYPING_TIMEOUT_MS */
  typingTimeoutMs?: number;
}

/** A joined room's live parts, outside the reactive store because nothing renders them. */
interface LiveRoom {
  /** Ids of every message shown, so replays after a resume or a rejoin are dropped. */
  readonly seen: Set<string>;
  /** Who else is typing; it owns the timers that hide them again. */
  readonly typing: TypingTracker;
  readonly stop: () => void;
  /** When this tab last told the room that its user is typing (`Date.now()`). */
  typingSentAt: number;
}

/** Creates the chat store on top of `connection`. */
export function createChatStore(connection: Connection, options: ChatStoreOptions = {}): ChatStore {
  const storage = options.storage ?? browserStorage();
  const { trpc } = connection;
  const live = new Map<string, LiveRoom>();
  const pendingJoins = new Set<string>();
  let disposed = false;

  const [state, setState] = createStore<ChatState>({
    rooms: [],
    activeRoomId: null,
    username: readKey(storage, USERNAME_KEY) ?? "",
    requestedRoomId: null,
    joinError: null,
    joining: false,
  });

  const findRoom = (roomId: string): RoomState | undefined => state.rooms.find((room) => room.id === roomId);
  const activeRoom = createMemo(() => (state.activeRoomId === null ? undefined : findRoom(state.activeRoomId)));

  const patchRoom = (roomId: string, patch: Partial<RoomState>): void => {
    setState("rooms", (room) => room.id === roomId, patch);
  };

  /**
   * Shows `incoming` in the room, each id once. From the room's stream (`fromStream`), a message of
   * the tab's own name may take the place of a pending line that is still waiting for its reply.
   */
  const receive = (roomId: string, incoming: readonly ChatMessage[], fromStream = true): void => {
    const entry = live.get(roomId);
    const room = findRoom(roomId);
    // A message can still be in flight after the room was left; it has nowhere to go.
    if (entry === undefined || room === undefined) return;
    const fresh = takeUnseen(entry.seen, incoming);
    if (fresh.length === 0) return;
    for (const message of fresh) if (message.kind === "user") entry.typing.stopped(message.username);
    const hidden = state.activeRoomId !== roomId;
    const unread = hidden ? fresh.filter((message) => countsAsUnread(message, room.username)).length : 0;
    batch(() => {
      for (const message of fresh) {
        if (fromStream && message.kind === "user" && message.username === room.username) outbox.claim(roomId, message);
      }
      setState(
        "rooms",
        (candidate) => candidate.id === roomId,
        produce((next: RoomState) => {
          next.messages.push(...fresh);
          if (next.messages.length > MAX_MESSAGES_PER_ROOM) next.messages.splice(0, next.messages.length - MAX_MESSAGES_PER_ROOM);
          next.unread += unread;
        }),
      );
    });
  };

  const outbox = createOutbox({
    sendMessage: (input) => trpc.sendMessage.mutate(input),
    closed: () => disposed || connection.status() === "closed",
    view: createPendingView(setState, (roomId, message) => receive(roomId, [message], false)),
  });

  const subscribe = (roomId: string, lastEventId: string | null): (() => void) => {
    const reportError = (error: unknown): void => patchRoom(roomId, { error: errorMessage(error) });
    // `lastEventId` makes the server send only what came after the history; the client's
    // wsLink then keeps it current across reconnects, so nothing is missed or doubled.
    const messages = trpc.onMessage.subscribe(
      { roomId, lastEventId },
      { onData: (event) => receive(roomId, [event.data]), onError: reportError },
    );
    const presence = trpc.onPresence.subscribe(
      { roomId },
      {
        onData: (event) => {
          const entry = live.get(roomId);
          const room = findRoom(roomId);
          if (entry === undefined || room === undefined) return;
          if (event.type === "typing") {
            if (event.username !== room.username) entry.typing.saw(event.username);
            return;
          }
          if (event.type === "leave") entry.typing.stopped(event.username);
          patchRoom(roomId, { members: applyPresence(room.members, event) });
        },
        onError: reportError,
      },
    );
    return () => {
      messages.unsubscribe();
      presence.unsubscribe();
    };
  };

  const show = (roomId: string): void => {
    if (findRoom(roomId) === undefined) return;
    batch(() => {
      setState("activeRoomId", roomId);
      patchRoom(roomId, { unread: 0 });
    });
  };

  const join = async (roomId: string, username: string): Promise<boolean> => {
    const existing = findRoom(roomId);
    if (existing !== undefined) {
      if (existing.username === username) {
        show(roomId);
        setState({ joinError: null, requestedRoomId: null });
        return true;
      }
      // The server would refuse it too (CONFLICT); saying so here keeps the room list intact.
      setState("joinError", `You are already in ${roomId} as ${existing.username}; leave it first to change your name.`);
      return false;
    }
    if (pendingJoins.has(roomId)) return false;
    pendingJoins.add(roomId);
    setState({ joining: true, joinError: null });
    try {
      const result = await trpc.joinRoom.mutate({ roomId, username });
      if (disposed || findRoom(result.roomId) !== undefined) return true;
      const seen = new Set<string>();
      const history = takeUnseen(seen, result.history);
      const lastId = history.at(-1)?.id ?? null;
      const typing = createTypingTracker(options.typingTimeoutMs ?? TYPING_TIMEOUT_MS, (names) => patchRoom(result.roomId, { typing: names }));
      const unsubscribe = subscribe(result.roomId, lastId);
      const stop = (): void => {
        unsubscribe();
        typing.clear();
      };
      live.set(result.roomId, { seen, typing, stop, typingSentAt: -Infinity });
      setState(
        produce((next: ChatState) => {
          next.rooms.push({
            id: result.roomId,
            username: result.username,
            messages: history,
            pending: [],
            members: applyPresence([], { type: "snapshot", roomId: result.roomId, members: result.members }),
            typing: [],
            unread: 0,
            draft: "",
            error: null,
          });
          next.activeRoomId = result.roomId;
          next.username = result.username;
          if (next.requestedRoomId === result.roomId) next.requestedRoomId = null;
        }),
      );
      writeKey(storage, USERNAME_KEY, result.username);
      return true;
    } catch (error) {
      if (!disposed) setState("joinError", errorMessage(error));
      return false;
    } finally {
      pendingJoins.delete(roomId);
      if (!disposed) setState("joining", pendingJoins.size > 0);
    }
  };

  const open = (roomId: string): void => {
    if (findRoom(roomId) !== undefined) {
      show(roomId);
      return;
    }
    // Kept until the join succeeds, so a refused join leaves the room prefilled in the form.
    setState("requestedRoomId", roomId);
    if (state.username !== "") void join(roomId, state.username);
  };

  const send = async (roomId: string, text: string): Promise<boolean> => {
    if (findRoom(roomId) === undefined) return false;
    patchRoom(roomId, { error: null });
    return outbox.send(roomId, text);
  };

  const leave = async (roomId: string): Promise<void> => {
    const index = state.rooms.findIndex((room) => room.id === roomId);
    if (index === -1) return;
    live.get(roomId)?.stop();
    live.delete(roomId);
    outbox.dropRoom(roomId);
    batch(() => {
      const wasShown = state.activeRoomId === roomId;
      setState("rooms", (rooms) => rooms.filter((room) => room.id !== roomId));
      if (wasShown) {
        const next = state.rooms[Math.min(index, state.rooms.length - 1)];
        setState("activeRoomId", next?.id ?? null);
        if (next !== undefined) patchRoom(next.id, { unread: 0 });
      }
    });
    try {
      await trpc.leaveRoom.mutate({ roomId });
    } catch {
      // Nothing to show: the room is gone from this tab either way, and the server drops the
      // membership when the socket closes.
    }
  };

  const setDraft = (roomId: string, text: string): void => {
    patchRoom(roomId, { draft: text });
    const entry = live.get(roomId);
    const now = Date.now();
    // Once per interval at most, as the server re-broadcasts no more often; clearing the box is not typing.
    if (entry === undefined || text.trim() === "" || now - entry.typingSentAt < TYPING_INTERVAL_MS) return;
    entry.typingSentAt = now;
    // A lost signal costs nothing but a missing hint, so failures (offline, not joined yet) are ignored.
    trpc.sendTyping.mutate({ roomId }).catch(() => undefined);
  };

  const dispose = (): void => {
    disposed = true;
    outbox.dispose();
    for (const entry of live.values()) entry.stop();
    live.clear();
  };

  const { retry, discard } = outbox;
  return { state, status: connection.status, activeRoom, join, open, show, send, retry, discard, leave, setDraft, dispose };
}
