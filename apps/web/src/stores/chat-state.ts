/**
 * The shape of what the chat UI renders from; `createChatStore` (chat-store.ts) owns the values.
 * The fields are not `readonly` because Solid's typed setter skips readonly keys; the store proxy
 * itself refuses writes outside `setState`, which keeps components read-only.
 */
import type { ReplyQuote } from "@chat/api/schema";
import type { ChatMessage } from "@chat/client";
import type { PendingMessage } from "./outbox";

/** How far back a room's conversation is loaded (see scrollback.ts). */
export interface ScrollbackState {
  /** Whether a page of older messages is on its way. */
  loading: boolean;
  /** Whether the room's first retained message is shown, so there is nothing older to load. */
  atStart: boolean;
  /** Why the last load of older messages failed, in words; `null` when it did not. */
  error: string | null;
}

/** One joined room as the UI shows it. */
export interface RoomState {
  /** The case-folded room id. */
  id: string;
  /** The name this tab joined the room with: its messages are "own". */
  username: string;
  /** Whether only the room's members may read and join it; members may hand out invites. */
  private: boolean;
  /** Every message received or loaded by scrolling back, oldest first, each id once. */
  messages: ChatMessage[];
  /** Loading older messages. */
  scrollback: ScrollbackState;
  /** This tab's messages the server has not confirmed yet, shown after `messages` in the order sent. */
  pending: PendingMessage[];
  /** Names of the people present, sorted. */
  members: string[];
  /** Others typing right now, in the order they started. */
  typing: string[];
  /** Messages from others that arrived while another room was shown. */
  unread: number;
  /** What the user is typing, kept per room so switching rooms loses nothing. */
  draft: string;
  /** The message the draft answers, shown above the message box until sent or cancelled. */
  replyTo: ReplyQuote | null;
  /** The id of the user's own message being edited in place, if any. */
  editing: string | null;
  /** The room's last error from the server (e.g. its stream failed), in words; a refused message shows its own. */
  error: string | null;
}

/** Everything the UI renders from. */
export interface ChatState {
  /** Joined rooms in the order they were joined (the sidebar's order). */
  rooms: RoomState[];
  /** The room shown, or `null` for the start screen. */
  activeRoomId: string | null;
  /** The last name joined with, remembered across visits; "" when none. */
  username: string;
  /** A room the address asked for that is not joined yet: the join form offers it. */
  requestedRoomId: string | null;
  /** The invite the address came with for `requestedRoomId`: sent when that room is joined. */
  requestedInvite: string | null;
  /** Why the last join failed, in words. */
  joinError: string | null;
  /** The join form's field `joinError` is about, when the server's answer says which; else the form as a whole. */
  joinErrorField: "username" | null;
  /** Whether a join is in flight. */
  joining: boolean;
  /** Mentions of the user that arrived while the tab was hidden; cleared once it is seen again. */
  unreadMentions: number;
  /** Whether a mention of the user raises a browser notification while the tab is hidden. */
  notifyMentions: boolean;
}
