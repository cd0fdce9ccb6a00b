import type { ChatMessage } from "@chat/client";

/** Whether `message` should raise a hidden room's unread count: only what other people say. */
export function countsAsUnread(message: ChatMessage, ownName: string): boolean {
  return message.kind === "user" && message.username !== ownName;
}

/** A room button's accessible name, e.g. "general" or "general, 3 unread". */
export function roomButtonLabel(roomId: string, unread: number): string {
  return unread > 0 ? `${roomId}, ${unread} unread` : roomId;
}

/** Whether `message` calls the user (`ownName`) by `@name`, as the server resolved it; one's own never does. */
export function mentionsOf(message: ChatMessage, ownName: string): boolean {
  return message.kind === "user" && !message.deleted && message.username !== ownName && message.mentions.includes(ownName);
}
