import type { ChatMessage } from "@chat/client";

/**
 * The id to ask `history` for the page before: the oldest shown message the server stores. Gap
 * notices are skipped, because their id is a resume position rather than a stored message (the
 * server refuses it as `before`); `null` when nothing stored is shown, which asks for the newest page.
 */
export function pageBeforeId(messages: readonly ChatMessage[]): string | null {
  return messages.find((message) => message.kind !== "gap")?.id ?? null;
}
