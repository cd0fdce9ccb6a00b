/** What is being typed in each room, and the throttled signal that tells the room someone is typing. */
import { TYPING_INTERVAL_MS } from "@chat/api/schema";
import type { Connection } from "../connection";
import type { JoinedRooms } from "./joined-rooms";

/** The store's `setDraft` (`ChatStore.setDraft`). */
export function draftSetter(trpc: Pick<Connection["trpc"], "sendTyping">, rooms: JoinedRooms): (roomId: string, text: string) => void {
  return (roomId, text) => {
    rooms.patch(roomId, { draft: text });
    const entry = rooms.live.get(roomId);
    const now = Date.now();
    // Once per interval at most, as the server re-broadcasts no more often; clearing the box is not typing.
    if (entry === undefined || text.trim() === "" || now - entry.typingSentAt < TYPING_INTERVAL_MS) return;
    entry.typingSentAt = now;
    // A lost signal costs nothing but a missing hint, so failures (offline, not joined yet) are ignored.
    trpc.sendTyping.mutate({ roomId }).catch(() => undefined);
  };
}
