import type { ChatMessage } from "@chat/client";

/**
 * Ids remembered per room for dropping replays. A replay never holds more than the server's
 * history (1,000 by default), so this many newest ids always cover it, and a tab left open for
 * days does not keep every id it ever saw.
 */
export const SEEN_IDS_LIMIT = 10_000;

/**
 * The messages of `incoming` whose ids are not in `seen`, in order; records them in `seen`,
 * which keeps only the newest `limit` ids (a Set iterates in insertion order, oldest first).
 * `joinRoom`'s history and `onMessage` overlap when the server does not know the last id (it
 * then replays all it keeps), and a resumed subscription must never show a message twice.
 */
export function takeUnseen(seen: Set<string>, incoming: readonly ChatMessage[], limit = SEEN_IDS_LIMIT): ChatMessage[] {
  const fresh: ChatMessage[] = [];
  for (const message of incoming) {
    if (seen.has(message.id)) continue;
    seen.add(message.id);
    fresh.push(message);
  }
  for (const id of seen) {
    if (seen.size <= limit) break;
    seen.delete(id);
  }
  return fresh;
}
