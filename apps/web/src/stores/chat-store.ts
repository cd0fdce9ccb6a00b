/**
 * The chat's state and actions: the rooms this tab joined, their messages and members, which
 * one is shown, and the remembered name. It is the only user of the connection.
 */
import type { ChatMessage, ConnectionStatus } from "@chat/client";
import { type Accessor, batch, createMemo } from "solid-js";
import { createStore } from "solid-js/store";
import type { Connection } from "../connection";
import { browserStorage, type KeyValueStorage, readKey } from "../lib/storage";
import type { ChatState, RoomState } from "./chat-state";
import { draftSetter } from "./drafts";
import { joinedRooms } from "./joined-rooms";
import { createOutbox } from "./outbox";
import { createPendingView } from "./pending-view";
import { receiver } from "./receive";
import { roomFeed } from "./room-feed";
import { type JoinOptions, roomJoin, USERNAME_KEY } from "./room-join";
import { roomLeave } from "./room-leave";
import { type KeepPlace, roomScrollback } from "./scrollback";

export type { ChatState, RoomState, ScrollbackState } from "./chat-state";
export type { KeepPlace } from "./scrollback";
// The store's tests import these from the store.
export { MAX_MESSAGES_PER_ROOM } from "./receive";
export { USERNAME_KEY } from "./room-join";

/** The store's public face, provided to components by `ChatProvider`. */
export interface ChatStore {
  /** Read-only reactive state. */
  readonly state: ChatState;
  /** The connection's status, reactive. */
  readonly status: Accessor<ConnectionStatus>;
  /** The room shown, if any. */
  readonly activeRoom: Accessor<RoomState | undefined>;
  /**
   * Joins `roomId` (already validated) as `username` and shows it; `false` if refused. The room
   * the address asked for is joined with the address's invite.
   */
  join(roomId: string, username: string, options?: JoinOptions): Promise<boolean>;
  /**
   * Follows an address naming `roomId`, perhaps with an invite: show it if joined, join it if a
   * name is known, else ask, keeping the invite for that join.
   */
  open(roomId: string, invite?: string): void;
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
  /**
   * Shows the page of messages before the oldest one shown in a joined room; `true` once shown
   * (or when there is nothing older), `false` if it failed (see `scrollback.error`). `keepPlace`
   * wraps the change, for the view to keep the reader's place.
   */
  loadOlder(roomId: string, keepPlace?: KeepPlace): Promise<boolean>;
  /** Loads older pages until message `messageId` is shown; `false` if it cannot be. */
  reveal(roomId: string, messageId: string, keepPlace?: KeepPlace): Promise<boolean>;
  /** A room's messages matching the words of `query` (already validated), newest first; rejects with the server's reason. */
  search(roomId: string, query: string): Promise<ChatMessage[]>;
  /** A new invite to a joined private room, and when it stops working; rejects with the server's reason. */
  createInvite(roomId: string): Promise<{ invite: string; expiresAt: Date }>;
  /** Makes every invite to a joined private room stop working; rejects with the server's reason. */
  revokeInvites(roomId: string): Promise<void>;
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

/** Creates the chat store on top of `connection`. */
export function createChatStore(connection: Connection, options: ChatStoreOptions = {}): ChatStore {
  const storage = options.storage ?? browserStorage();
  const { trpc } = connection;
  let disposed = false;

  const [state, setState] = createStore<ChatState>({
    rooms: [],
    activeRoomId: null,
    username: readKey(storage, USERNAME_KEY) ?? "",
    requestedRoomId: null,
    requestedInvite: null,
    joinError: null,
    joinErrorField: null,
    joining: false,
  });
  const rooms = joinedRooms(state, setState);
  const activeRoom = createMemo(() => (state.activeRoomId === null ? undefined : rooms.find(state.activeRoomId)));

  const receive = receiver(rooms, (roomId, message) => outbox.claim(roomId, message));
  const outbox = createOutbox({
    sendMessage: (input) => trpc.sendMessage.mutate(input),
    closed: () => disposed || connection.status() === "closed",
    view: createPendingView(setState, (roomId, message) => receive(roomId, [message], false)),
  });

  const show = (roomId: string): void => {
    if (rooms.find(roomId) === undefined) return;
    batch(() => {
      setState("activeRoomId", roomId);
      rooms.patch(roomId, { unread: 0 });
    });
  };

  const subscribe = roomFeed({ trpc, rooms, receive });
  const join = roomJoin({ trpc, rooms, subscribe, show, storage, typingTimeoutMs: options.typingTimeoutMs, disposed: () => disposed });

  const open = (roomId: string, invite?: string): void => {
    if (rooms.find(roomId) !== undefined) {
      show(roomId);
      return;
    }
    // Kept until the join succeeds, so a refused join leaves the room prefilled in the form and
    // the person who picks a name there still gets in with the invite.
    setState({ requestedRoomId: roomId, requestedInvite: invite ?? null });
    if (state.username !== "") void join(roomId, state.username);
  };

  const send = async (roomId: string, text: string): Promise<boolean> => {
    if (rooms.find(roomId) === undefined) return false;
    rooms.patch(roomId, { error: null });
    return outbox.send(roomId, text);
  };

  const leave = roomLeave({ trpc, rooms, outbox, show });
  const setDraft = draftSetter(trpc, rooms);
  const { loadOlder, reveal } = roomScrollback({ trpc, rooms });
  const search = async (roomId: string, query: string): Promise<ChatMessage[]> => (await trpc.search.query({ roomId, query })).messages;
  const createInvite = (roomId: string): Promise<{ invite: string; expiresAt: Date }> => trpc.createInvite.mutate({ roomId });
  const revokeInvites = async (roomId: string): Promise<void> => {
    await trpc.revokeInvites.mutate({ roomId });
  };

  const dispose = (): void => {
    disposed = true;
    outbox.dispose();
    for (const entry of rooms.live.values()) entry.stop();
    rooms.live.clear();
  };

  const { retry, discard } = outbox;
  return {
    state,
    status: connection.status,
    activeRoom,
    join,
    open,
    show,
    send,
    retry,
    discard,
    leave,
    setDraft,
    loadOlder,
    reveal,
    search,
    createInvite,
    revokeInvites,
    dispose,
  };
}
