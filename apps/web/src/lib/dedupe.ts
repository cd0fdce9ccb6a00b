import type { ChatMessage } from "@chat/api/client";

/**
 * The messages of `incoming` whose ids are not in `seen`, in order; records them in `seen`.
 * `joinRoom`'s history and `onMessage` overlap when the server does not know the last id (it
 * then replays all it keeps), and a resumed subscription must never show a message twice.
 */
export function takeUnseen(seen: Set<string>, incoming: readonly ChatMessage[]): ChatMessage[] {
  const fresh: ChatMessage[] = [];
  for (const message of incoming) {
    if (seen.has(message.id)) continue;
    seen.add(message.id);
    fresh.push(message);
  }
  return fresh;
}
