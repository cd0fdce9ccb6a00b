/**
 * The event a message stream yields first when it cannot continue exactly where its reader left
 * off: shaped like a message so that clients that do not know it still show it as a line.
 */
import type { ChatMessage, RoomId } from "../schema.js";
import { newMessage } from "./message-state.js";

/** What a gap notice says, in words a person reading the room understands. */
export const GAP_NOTICE_TEXT = "Some earlier messages could not be delivered.";

/**
 * A gap notice for `roomId`. `id` must be a position the broker resumes from exactly before
 * everything it retains, so a client that resumes with it (tRPC tracks it like any event) gets the
 * retained messages again without a second notice.
 */
export function gapNotice(roomId: RoomId, id: string, sentAt: Date): ChatMessage {
  // No author: the room itself says this; an empty name cannot be anybody's (names are 1+ chars).
  return newMessage({ id, roomId, kind: "gap", username: "", text: GAP_NOTICE_TEXT, sentAt });
}
