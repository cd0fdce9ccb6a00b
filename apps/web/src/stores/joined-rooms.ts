/**
 * The joined rooms as the store's parts share them: what the page renders (`ChatState`) and
 * what it does not (each room's `LiveRoom`), found and changed by room id.
 */
import type { SetStoreFunction } from "solid-js/store";
import type { TypingTracker } from "../lib/typing";
import type { ChatState, RoomState } from "./chat-state";

/** A joined room's live parts, outside the reactive store because nothing renders them. */
export interface LiveRoom {
  /** Ids of every message shown, so replays after a resume or a rejoin are dropped. */
  readonly seen: Set<string>;
  /** Who else is typing; it owns the timers that hide them again. */
  readonly typing: TypingTracker;
  readonly stop: () => void;
  /** When this tab last told the room that its user is typing (`Date.now()`). */
  typingSentAt: number;
  /**
   * Messages added by scrolling back. The room keeps this many on top of `MAX_MESSAGES_PER_ROOM`,
   * so that live messages do not push out at once what the reader just went back for.
   */
  olderKept: number;
}

/** The store's state and the joined rooms' live parts. */
export interface JoinedRooms {
  readonly state: ChatState;
  readonly setState: SetStoreFunction<ChatState>;
  /** Each joined room's live parts, by room id. */
  readonly live: Map<string, LiveRoom>;
  /** The joined room `roomId`, if it is joined. */
  find(roomId: string): RoomState | undefined;
  /** Sets some fields of the joined room `roomId`. */
  patch(roomId: string, patch: Partial<RoomState>): void;
}

/** The rooms of `state`, none of them live yet. */
export function joinedRooms(state: ChatState, setState: SetStoreFunction<ChatState>): JoinedRooms {
  return {
    state,
    setState,
    live: new Map(),
    find: (roomId) => state.rooms.find((room) => room.id === roomId),
    patch: (roomId, patch) => {
      setState("rooms", (room) => room.id === roomId, patch);
    },
  };
}
