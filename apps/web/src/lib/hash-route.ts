import { roomIdSchema } from "@chat/api/schema";

/** What the address names: a room, or nothing in particular (the start screen). */
export type HashRoute = { roomId: string } | null;

const ROOM_PREFIX = "#/room/";

/**
 * Reads `#/room/<id>` into a route. The id is case-folded and validated with the server's own
 * schema, so a hand-typed `#/room/General` opens `general` and a bad id opens nothing.
 */
export function parseHash(hash: string): HashRoute {
  if (!hash.startsWith(ROOM_PREFIX)) return null;
  let raw: string;
  try {
    raw = decodeURIComponent(hash.slice(ROOM_PREFIX.length));
  } catch {
    // A stray `%` makes decodeURIComponent throw; such a link names no room.
    return null;
  }
  const parsed = roomIdSchema.safeParse(raw.trim().replace(/\/+$/, ""));
  return parsed.success ? { roomId: parsed.data } : null;
}

/** The hash for showing `roomId`, or the empty hash when no room is shown. */
export function formatHash(roomId: string | null): string {
  return roomId === null ? "" : `${ROOM_PREFIX}${encodeURIComponent(roomId)}`;
}
