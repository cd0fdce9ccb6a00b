import type { ChatMessage } from "@chat/client";

/** Whether `message` should raise a hidden room's unread count: only what other people say. */
export function countsAsUnread(message: ChatMessage, ownName: string): boolean {
  return message.kind === "user" && message.username !== ownName;
}

/** A room button's accessible name, e.g. "general" or "general, 3 unread". */
export function roomButtonLabel(roomId: string, unread: number): string {
  return unread > 0 ? `${roomId}, ${unread} unread` : roomId;
}
