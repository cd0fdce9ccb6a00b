/**
 * What arrives in a joined room: new messages, shown once each in the room's log, which keeps
 * only the newest `MAX_MESSAGES_PER_ROOM` (and those loaded by scrolling back), counted as unread
 * while another room is shown; and updates (an edit, a deletion, a reaction), each replacing the
 * state of the message it targets, in place, so the line keeps its DOM and focus.
 */
import type { ChatEvent, MessageUpdate } from "@chat/api/schema";
import type { ChatMessage } from "@chat/client";
import { batch } from "solid-js";
import { produce } from "solid-js/store";
import { takeUnseen } from "../lib/dedupe";
import { countsAsUnread, mentionsOf } from "../lib/unread";
import type { RoomState } from "./chat-state";
import type { JoinedRooms } from "./joined-rooms";

/** Messages kept per room in the page, as many as the server retains: a tab left open in a busy room stays light. */
export const MAX_MESSAGES_PER_ROOM = 1000;

/**
 * Shows `incoming` in the room, each id once, and applies updates among them. From the room's
 * stream (`fromStream`), a message of the tab's own name may take the place of a pending line
 * that is still waiting for its reply, and a mention of the user is news (`onMention`).
 */
export type Receive = (roomId: string, incoming: readonly ChatEvent[], fromStream?: boolean) => void;

/** What receiving needs besides the rooms. */
export interface ReceiveDeps {
  /** The outbox's `claim` (`Outbox.claim`). */
  claim(roomId: string, message: ChatMessage): void;
  /** Called in the same update for each new message from the stream that mentions the user. */
  mentioned?(roomId: string, message: ChatMessage): void;
}

function isUpdate(event: ChatEvent): event is MessageUpdate {
  return event.kind === "update";
}

/** The fields an update may change; the rest (id, author, time) never do. */
const CHANGEABLE = ["text", "editedAt", "deleted", "replyTo", "mentions", "reactions"] as const;

/**
 * Applies `update` to the room's log as `produce` hands it over: the target takes its new state
 * field by field (unchanged ones untouched), and once it is deleted, replies quoting it quote
 * nothing more (the server blanks them in storage; a live log must do it itself). A target not
 * in the log (dropped, or older than what was loaded) is not shown, so there is nothing to do:
 * loading it later brings its current state.
 */
export function applyUpdate(room: RoomState, update: MessageUpdate): void {
  const target = room.messages.find((message) => message.id === update.target);
  if (target !== undefined) {
    const next = update.message;
    for (const key of CHANGEABLE) {
      const value = next[key];
      const same = value instanceof Date ? target[key] instanceof Date && (target[key] as Date).getTime() === value.getTime() : target[key] === value;
      if (!same) (target as Record<(typeof CHANGEABLE)[number], unknown>)[key] = value;
    }
  }
  if (!update.message.deleted) return;
  for (const message of room.messages) {
    if (message.replyTo?.id === update.target && message.replyTo.text !== "") message.replyTo = { ...message.replyTo, text: "" };
  }
  if (room.replyTo?.id === update.target) room.replyTo = null;
  if (room.editing === update.target) room.editing = null;
}

/** `receive` over `rooms`. */
export function receiver(rooms: JoinedRooms, deps: ReceiveDeps): Receive {
  const { state, setState } = rooms;
  return (roomId, incoming, fromStream = true) => {
    const entry = rooms.live.get(roomId);
    const room = rooms.find(roomId);
    // A message can still be in flight after the room was left; it has nowhere to go.
    if (entry === undefined || room === undefined) return;
    const fresh = takeUnseen(entry.seen, incoming);
    if (fresh.length === 0) return;
    const added = fresh.filter((event): event is ChatMessage => !isUpdate(event));
    for (const message of added) if (message.kind === "user") entry.typing.stopped(message.username);
    const hidden = state.activeRoomId !== roomId;
    const unread = hidden ? added.filter((message) => countsAsUnread(message, room.username)).length : 0;
    batch(() => {
      for (const message of added) {
        if (fromStream && message.kind === "user" && message.username === room.username) deps.claim(roomId, message);
        if (fromStream && mentionsOf(message, room.username)) deps.mentioned?.(roomId, message);
      }
      setState(
        "rooms",
        (candidate) => candidate.id === roomId,
        produce((next: RoomState) => {
          // In stream order: an update always follows the message it changes.
          for (const event of fresh) {
            if (isUpdate(event)) applyUpdate(next, event);
            else next.messages.push(event);
          }
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
