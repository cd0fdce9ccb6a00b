/**
 * The chat's state and actions: the rooms this tab joined, their messages and members, which
 * one is shown, and the remembered name. It is the only user of the connection.
 */
import type { ReplyQuote } from "@chat/api/schema";
import type { ChatMessage, ConnectionStatus } from "@chat/client";
import { type Accessor, batch, createMemo } from "solid-js";
import { createStore } from "solid-js/store";
import type { Connection } from "../connection";
import { errorMessage } from "../lib/error-message";
import { browserStorage, type KeyValueStorage, readKey } from "../lib/storage";
import type { ChatState, RoomState } from "./chat-state";
import { draftSetter } from "./drafts";
import { joinedRooms } from "./joined-rooms";
import { browserNotifier, documentHidden, mentionAlerts, type Notifier } from "./mention-alerts";
import { classifySendFailure, createOutbox } from "./outbox";
import { createPendingView } from "./pending-view";
import { receiver } from "./receive";
import { roomFeed } from "./room-feed";
import { type JoinOptions, roomJoin, USERNAME_KEY } from "./room-join";
import { roomLeave } from "./room-leave";
import { type KeepPlace, roomScrollback } from "./scrollback";

export type { ChatState, RoomState, ScrollbackState } from "./chat-state";
export type { KeepPlace } from "./scrollback";
export type { Notifier, NotificationPermissionState } from "./mention-alerts";
export { NOTIFY_MENTIONS_KEY } from "./mention-alerts";
// The store's tests import these from the store.
export { MAX_MESSAGES_PER_ROOM } from "./receive";
export { USERNAME_KEY } from "./room-join";

/** How often a change to a message is tried when the connection drops or the server says "later". */
const CHANGE_ATTEMPTS = 5;

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
   * (it then shows as failed, to retry or discard) or the room was left. With `replyTo`, it
   * answers that message, quoted above it.
   */
  send(roomId: string, text: string, replyTo?: ReplyQuote | null): Promise<boolean>;
  /**
   * Replaces the text of one of the user's messages; `true` once the server took it (the room's
   * stream then brings the new state to every tab), `false` if refused (see the room's `error`).
   */
  edit(roomId: string, messageId: string, text: string): Promise<boolean>;
  /** Deletes one of the user's messages; `true` once done, `false` if refused (see the room's `error`). */
  remove(roomId: string, messageId: string): Promise<boolean>;
  /** Adds (`on`) or takes back the user's `emoji` on a message; `false` if refused (see the room's `error`). */
  react(roomId: string, messageId: string, emoji: string, on: boolean): Promise<boolean>;
  /** Sets the message the next one sent in the room answers, or none. */
  setReply(roomId: string, quote: ReplyQuote | null): void;
  /** Starts editing one of the user's messages in place, or (`null`) stops. */
  setEditing(roomId: string, messageId: string | null): void;
  /** Turns mention notifications on (asking the browser for permission) or off; resolves whether they are on. */
  setNotifyMentions(on: boolean): Promise<boolean>;
  /** The tab is visible again: mentions that came while it was hidden are read. */
  clearMentions(): void;
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
  /** The browser's notifications. @default the page's `Notification` */
  notifier?: Notifier;
  /** Whether the tab is hidden, so that a mention is news. @default document.visibilityState === "hidden" */
  hidden?: () => boolean;
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
    unreadMentions: 0,
    notifyMentions: false,
  });
  const rooms = joinedRooms(state, setState);
  const activeRoom = createMemo(() => (state.activeRoomId === null ? undefined : rooms.find(state.activeRoomId)));

  const alerts = mentionAlerts({
    rooms,
    storage,
    notifier: options.notifier ?? browserNotifier(),
    hidden: options.hidden ?? documentHidden,
    show: (roomId) => show(roomId),
  });
  setState("notifyMentions", alerts.initiallyOn);
  const receive = receiver(rooms, { claim: (roomId, message) => outbox.claim(roomId, message), mentioned: alerts.mentioned });
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

  const send = async (roomId: string, text: string, replyTo: ReplyQuote | null = null): Promise<boolean> => {
    if (rooms.find(roomId) === undefined) return false;
    rooms.patch(roomId, { error: null });
    return outbox.send(roomId, text, replyTo);
  };

  /**
   * Runs a change to a message. Its new state is not applied from the answer: the room's stream
   * brings it to every tab in order, and an answer overtaken by a later change would undo that.
   */
  const change = async (roomId: string, call: () => Promise<unknown>): Promise<boolean> => {
    if (rooms.find(roomId) === undefined) return false;
    rooms.patch(roomId, { error: null });
    for (let attempt = 1; ; attempt++) {
      try {
        await call();
        return true;
      } catch (error) {
        const gone = disposed || rooms.find(roomId) === undefined;
        // As for a message: a call the lost socket took is made again once the client is back
        // (changes repeat harmlessly: the same edit, deletion or reaction twice changes nothing),
        // and one refused for now after the wait the server names.
        const failure = classifySendFailure(error);
        if (!gone && attempt < CHANGE_ATTEMPTS && failure.kind === "connection" && connection.status() !== "closed") continue;
        if (!gone && attempt < CHANGE_ATTEMPTS && failure.kind === "later") {
          await new Promise((resolve) => setTimeout(resolve, failure.retryAfterMs));
          continue;
        }
        if (!gone) rooms.patch(roomId, { error: failure.kind === "refused" ? failure.reason : errorMessage(error) });
        return false;
      }
    }
  };
  const edit = (roomId: string, messageId: string, text: string): Promise<boolean> =>
    change(roomId, () => trpc.editMessage.mutate({ roomId, messageId, text }));
  const remove = (roomId: string, messageId: string): Promise<boolean> => change(roomId, () => trpc.deleteMessage.mutate({ roomId, messageId }));
  const react = (roomId: string, messageId: string, emoji: string, on: boolean): Promise<boolean> =>
    change(roomId, () => trpc.react.mutate({ roomId, messageId, emoji, on }));
  const setReply = (roomId: string, quote: ReplyQuote | null): void => rooms.patch(roomId, { replyTo: quote });
  const setEditing = (roomId: string, messageId: string | null): void => rooms.patch(roomId, { editing: messageId });

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
    edit,
    remove,
    react,
    setReply,
    setEditing,
    setNotifyMentions: alerts.setEnabled,
    clearMentions: alerts.clear,
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
