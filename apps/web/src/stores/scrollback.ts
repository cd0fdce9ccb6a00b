/**
 * Scrolling back: a joined room's older messages, a page at a time from the server's history, put
 * before what is shown (each id once, as the stream's are), until the room's first retained message.
 */
import { retryAfterMs } from "@chat/client";
import { produce } from "solid-js/store";
import type { Connection } from "../connection";
import { takeUnseen } from "../lib/dedupe";
import { errorMessage } from "../lib/error-message";
import { pageBeforeId } from "../lib/history-paging";
import type { RoomState, ScrollbackState } from "./chat-state";
import type { JoinedRooms } from "./joined-rooms";

/**
 * Runs `change`, which adds messages above the reader's place. The view passes one that keeps the
 * message in view where it is on screen; the store knows nothing of scrolling.
 */
export type KeepPlace = (change: () => void) => void;

/** How often a page refused for a while (read too fast, the store away for a moment) is asked for, waiting as told between. */
const PAGE_ATTEMPTS = 3;

/** The store's scrolling back (`ChatStore.loadOlder`, `ChatStore.reveal`). */
export interface Scrollback {
  /**
   * Shows the page of messages before the oldest one shown; `true` once it is shown or there is
   * nothing older, `false` if it failed (the room's `scrollback.error` says why) or the room was
   * left. Calls while one is loading share it.
   */
  loadOlder(roomId: string, keepPlace?: KeepPlace): Promise<boolean>;
  /**
   * Loads pages back until message `messageId` is shown; `false` if it cannot be: loading failed,
   * the room was left, or the server no longer keeps it.
   */
  reveal(roomId: string, messageId: string, keepPlace?: KeepPlace): Promise<boolean>;
}

/** What scrolling back needs from the store. */
export interface ScrollbackDeps {
  trpc: Pick<Connection["trpc"], "history">;
  rooms: JoinedRooms;
}

/** A page of `history`: messages oldest first, and whether the room keeps older ones. */
type HistoryPage = Awaited<ReturnType<ScrollbackDeps["trpc"]["history"]["query"]>>;

const changeInPlace: KeepPlace = (change) => change();

/** Resolves after `ms`. */
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The store's `Scrollback` over `rooms`. */
export function roomScrollback({ trpc, rooms }: ScrollbackDeps): Scrollback {
  const { setState } = rooms;
  const loads = new Map<string, Promise<boolean>>();

  const patch = (roomId: string, update: Partial<ScrollbackState>): void => {
    setState("rooms", (room) => room.id === roomId, "scrollback", update);
  };

  const fetchPage = async (roomId: string, before: string | null): Promise<HistoryPage> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await trpc.history.query({ roomId, before });
      } catch (error) {
        const waitMs = retryAfterMs(error);
        if (waitMs === null || attempt >= PAGE_ATTEMPTS) throw error;
        await pause(waitMs);
      }
    }
  };

  const load = async (roomId: string, keepPlace: KeepPlace): Promise<boolean> => {
    const entry = rooms.live.get(roomId);
    const room = rooms.find(roomId);
    if (entry === undefined || room === undefined) return false;
    if (room.scrollback.atStart) return true;
    // The room left, or left and joined again, while the page was on its way: it is not ours to show.
    const stillJoined = (): boolean => rooms.live.get(roomId) === entry;
    patch(roomId, { loading: true, error: null });
    try {
      const before = pageBeforeId(room.messages);
      const page = await fetchPage(roomId, before);
      if (!stillJoined()) return false;
      // Only a full log dropping its oldest meanwhile moves the start, and the page would then sit
      // before a hole: leave it, and the next load asks from the new start.
      if (before !== null && pageBeforeId(room.messages) !== before) return true;
      const fresh = takeUnseen(entry.seen, page.messages);
      entry.olderKept += fresh.length;
      keepPlace(() =>
        setState(
          "rooms",
          (candidate) => candidate.id === roomId,
          produce((next: RoomState) => {
            next.messages.unshift(...fresh);
            next.scrollback = { loading: false, atStart: !page.hasMore, error: null };
          }),
        ),
      );
      return true;
    } catch (error) {
      if (stillJoined()) patch(roomId, { error: errorMessage(error) });
      return false;
    } finally {
      if (stillJoined()) patch(roomId, { loading: false });
    }
  };

  const loadOlder = (roomId: string, keepPlace: KeepPlace = changeInPlace): Promise<boolean> => {
    const running = loads.get(roomId);
    if (running !== undefined) return running;
    const loading = load(roomId, keepPlace).finally(() => loads.delete(roomId));
    loads.set(roomId, loading);
    return loading;
  };

  const reveal = async (roomId: string, messageId: string, keepPlace: KeepPlace = changeInPlace): Promise<boolean> => {
    for (;;) {
      const room = rooms.find(roomId);
      if (room === undefined) return false;
      if (room.messages.some((message) => message.id === messageId)) return true;
      if (room.scrollback.atStart) return false;
      const before = pageBeforeId(room.messages);
      // A load that moved nothing (it raced the log dropping its oldest) would only repeat itself.
      if (!(await loadOlder(roomId, keepPlace)) || pageBeforeId(room.messages) === before) return false;
    }
  };

  return { loadOlder, reveal };
}
