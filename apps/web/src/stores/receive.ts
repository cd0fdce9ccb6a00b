/**
 * Messages arriving in a joined room: shown once each, in the room's log, which keeps only the
 * newest `MAX_MESSAGES_PER_ROOM` (and those loaded by scrolling back); counted as unread while
 * another room is shown.
 */
import type { ChatMessage } from "@chat/client";
import { batch } from "solid-js";
import { produce } from "solid-js/store";
import { takeUnseen } from "../lib/dedupe";
import { countsAsUnread } from "../lib/unread";
import type { RoomState } from "./chat-state";
import type { JoinedRooms } from "./joined-rooms";

/** Messages kept per room in the page, as many as the server retains: a tab left open in a busy room stays light. */
export const MAX_MESSAGES_PER_ROOM = 1000;

/**
 * Shows `incoming` in the room, each id once. From the room's stream (`fromStream`), a message of
 * the tab's own name may take the place of a pending line that is still waiting for its reply.
 */
export type Receive = (roomId: string, incoming: readonly ChatMessage[], fromStream?: boolean) => void;

/** `receive` over `rooms`; `claim` is the outbox's (`Outbox.claim`). */
export function receiver(rooms: JoinedRooms, claim: (roomId: string, message: ChatMessage) => void): Receive {
  const { state, setState } = rooms;
  return (roomId, incoming, fromStream = true) => {
    const entry = rooms.live.get(roomId);
    const room = rooms.find(roomId);
    // A message can still be in flight after the room was left; it has nowhere to go.
    if (entry === undefined || room === undefined) return;
    const fresh = takeUnseen(entry.seen, incoming);
    if (fresh.length === 0) return;
    for (const message of fresh) if (message.kind === "user") entry.typing.stopped(message.username);
    const hidden = state.activeRoomId !== roomId;
    const unread = hidden ? fresh.filter((message) => countsAsUnread(message, room.username)).length : 0;
    batch(() => {
      for (const message of fresh) {
        if (fromStream && message.kind === "user" && message.username === room.username) claim(roomId, message);
      }
      setState(
        "rooms",
        (candidate) => candidate.id === roomId,
        produce((next: RoomState) => {
          next.messages.push(...fresh);
          const excess = next.messages.length - MAX_MESSAGES_PER_ROOM - entry.olderKept;
          if (excess > 0) {
            // What is dropped can be loaded again by scrolling back, so it must not count as seen.
            for (const dropped of next.messages.splice(0, excess)) entry.seen.delete(dropped.id);
            next.scrollback.atStart = false;
          }
          next.unread += unread;
        }),
      );
    });
  };
}
