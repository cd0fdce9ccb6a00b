/**
 * Joining a room: one join per room at a time, the room added with its history and members,
 * its streams opened after that history, and the name remembered.
 */
import { TYPING_TIMEOUT_MS } from "@chat/api/schema";
import { produce } from "solid-js/store";
import type { Connection } from "../connection";
import { takeUnseen } from "../lib/dedupe";
import { errorMessage } from "../lib/error-message";
import { applyPresence } from "../lib/presence";
import { type KeyValueStorage, writeKey } from "../lib/storage";
import { createTypingTracker } from "../lib/typing";
import type { ChatState } from "./chat-state";
import type { JoinedRooms } from "./joined-rooms";
import type { SubscribeRoom } from "./room-feed";

/** Where the last used name is kept between visits. */
export const USERNAME_KEY = "chat.username";

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
export function roomJoin({ trpc, rooms, subscribe, show, storage, typingTimeoutMs, disposed }: RoomJoinDeps): (roomId: string, username: string) => Promise<boolean> {
  const { setState } = rooms;
  const pendingJoins = new Set<string>();
  return async (roomId, username) => {
    const existing = rooms.find(roomId);
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
            messages: history,
            // A room with no history at all has nothing older either.
            scrollback: { loading: false, atStart: history.length === 0, error: null },
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
      if (!disposed()) setState("joinError", errorMessage(error));
      return false;
    } finally {
      pendingJoins.delete(roomId);
      if (!disposed()) setState("joining", pendingJoins.size > 0);
    }
  };
}
