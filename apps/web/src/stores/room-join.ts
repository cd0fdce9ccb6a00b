/**
 * Joining a room: one join per room at a time, the room added with its history and members,
 * its streams opened after that history, and the name remembered. A room the address asked for
 * is joined with the invite the address came with.
 */
import { TYPING_TIMEOUT_MS } from "@chat/api/schema";
import { produce } from "solid-js/store";
import type { Connection } from "../connection";
import { takeUnseen } from "../lib/dedupe";
import { errorCode, errorMessage } from "../lib/error-message";
import { applyPresence } from "../lib/presence";
import { type KeyValueStorage, writeKey } from "../lib/storage";
import { createTypingTracker } from "../lib/typing";
import type { ChatState } from "./chat-state";
import type { JoinedRooms } from "./joined-rooms";
import type { SubscribeRoom } from "./room-feed";

/** Where the last used name is kept between visits. */
export const USERNAME_KEY = "chat.username";

/** How to join a room besides its id and the name. */
export interface JoinOptions {
  /** Create the room readable by its members only; refused if it already exists. @default false */
  private?: boolean;
}

/** The store's `join`: `true` once the room is joined and shown, `false` if refused (see `joinError`). */
type JoinRoom = (roomId: string, username: string, options?: JoinOptions) => Promise<boolean>;

/** What joining needs from the store. */
export interface RoomJoinDeps {
  trpc: Pick<Connection["trpc"], "joinRoom">;
  rooms: JoinedRooms;
  subscribe: SubscribeRoom;
  /** Shows a joined room (`ChatStore.show`). */
  show(roomId: string): void;
  /** Where the name is remembered. */
  storage: KeyValueStorage;
  /** @default TYPING_TIMEOUT_MS */
  typingTimeoutMs?: number;
  /** Whether the store is disposed: a join answered after that changes nothing. */
  disposed(): boolean;
}

/** The store's `join` (`ChatStore.join`). */
export function roomJoin({ trpc, rooms, subscribe, show, storage, typingTimeoutMs, disposed }: RoomJoinDeps): JoinRoom {
  const { state, setState } = rooms;
  const pendingJoins = new Set<string>();
  return async (roomId, username, options = {}) => {
    const existing = rooms.find(roomId);
    if (existing !== undefined) {
      if (existing.username === username) {
        show(roomId);
        setState({ joinError: null, joinErrorField: null, requestedRoomId: null, requestedInvite: null });
        return true;
      }
      // The server would refuse it too (CONFLICT); saying so here keeps the room list intact.
      setState({ joinError: `You are already in ${roomId} as ${existing.username}; leave it first to change your name.`, joinErrorField: null });
      return false;
    }
    if (pendingJoins.has(roomId)) return false;
    pendingJoins.add(roomId);
    setState({ joining: true, joinError: null, joinErrorField: null });
    const invite = state.requestedRoomId === roomId ? state.requestedInvite : null;
    try {
      const result = await trpc.joinRoom.mutate({
        roomId,
        username,
        ...(options.private === true ? { private: true } : {}),
        ...(invite !== null ? { invite } : {}),
      });
      if (disposed() || rooms.find(result.roomId) !== undefined) return true;
      const seen = new Set<string>();
      const history = takeUnseen(seen, result.history);
      const lastId = history.at(-1)?.id ?? null;
      const typing = createTypingTracker(typingTimeoutMs ?? TYPING_TIMEOUT_MS, (names) => rooms.patch(result.roomId, { typing: names }));
      const unsubscribe = subscribe(result.roomId, lastId);
      const stop = (): void => {
        unsubscribe();
        typing.clear();
      };
      rooms.live.set(result.roomId, { seen, typing, stop, typingSentAt: -Infinity, olderKept: 0 });
      setState(
        produce((next: ChatState) => {
          next.rooms.push({
            id: result.roomId,
            username: result.username,
            private: result.private,
            messages: history,
            // A room with no history at all has nothing older either.
            scrollback: { loading: false, atStart: history.length === 0, error: null },
            pending: [],
            members: applyPresence([], { type: "snapshot", roomId: result.roomId, members: result.members }),
            typing: [],
            unread: 0,
            draft: "",
            replyTo: null,
            editing: null,
            error: null,
          });
          next.activeRoomId = result.roomId;
          next.username = result.username;
          if (next.requestedRoomId === result.roomId) {
            next.requestedRoomId = null;
            next.requestedInvite = null;
          }
        }),
      );
      writeKey(storage, USERNAME_KEY, result.username);
      return true;
    } catch (error) {
      // Without `private`, a CONFLICT can only mean that someone else holds the name; with it, it
      // may also mean that the room exists, so the form as a whole shows it.
      const field = errorCode(error) === "CONFLICT" && options.private !== true ? "username" : null;
      if (!disposed()) setState({ joinError: errorMessage(error), joinErrorField: field });
      return false;
    } finally {
      pendingJoins.delete(roomId);
      if (!disposed()) setState("joining", pendingJoins.size > 0);
    }
  };
}
