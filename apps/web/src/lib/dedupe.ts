/**
 * Ids remembered per room for dropping replays. A replay never holds more than the server's
 * history (1,000 by default), so this many newest ids always cover it, and a tab left open for
 * days does not keep every id it ever saw.
 */
export const SEEN_IDS_LIMIT = 10_000;

/**
 * The messages of `incoming` whose ids are not in `seen`, in order; records them in `seen`,
 * which keeps only the newest `limit` ids (a Set iterates in insertion order, oldest first).
 * Events of the room's stream (messages and updates) are recorded the same way, by their own id.
 * `joinRoom`'s history and `onMessage` overlap when the server does not know the last id (it
 * then replays all it keeps), and a resumed subscription must never show a message twice.
 */
export function takeUnseen<T extends { readonly id: string }>(seen: Set<string>, incoming: readonly T[], limit = SEEN_IDS_LIMIT): T[] {
  const fresh: T[] = [];
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
