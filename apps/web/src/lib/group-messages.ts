import type { ChatMessage } from "@chat/client";

/** Consecutive messages shown under one author line. */
export interface MessageGroup {
  /** The first message's id: stable while later messages join the group, so lists keep their DOM. */
  key: string;
  kind: ChatMessage["kind"];
  username: string;
  /** When the first message was sent; the group shows this time. */
  sentAt: Date;
  messages: ChatMessage[];
}

/** The minute a date falls in, counted from the epoch (time zones shift whole minutes). */
function minuteOf(date: Date): number {
  return Math.floor(date.getTime() / 60_000);
}

/**
 * Groups consecutive user messages by the same author sent in the same clock minute as the
 * group's first one, so the shown time is right for all of them. System lines and gap notices
 * stand alone: "alice joined" is not something alice said.
 */
export function groupMessages(messages: readonly ChatMessage[]): MessageGroup[] {
  const groups: MessageGroup[] = [];
  let current: MessageGroup | undefined;
  for (const message of messages) {
    if (
      current !== undefined &&
      message.kind === "user" &&
      current.kind === "user" &&
      current.username === message.username &&
      minuteOf(current.sentAt) === minuteOf(message.sentAt)
    ) {
      current.messages.push(message);
      continue;
    }
    current = {
      key: message.id,
      kind: message.kind,
      username: message.username,
      sentAt: message.sentAt,
      messages: [message],
    };
    groups.push(current);
  }
  return groups;
}
