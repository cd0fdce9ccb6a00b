import { inviteSchema, roomIdSchema } from "@chat/api/schema";

/**
 * What the address names: a room, perhaps with an invite to it (`#/room/<id>?invite=<token>`),
 * or nothing in particular (the start screen).
 */
export type HashRoute = { roomId: string; invite?: string } | null;

const ROOM_PREFIX = "#/room/";

/**
 * Reads `#/room/<id>` (and an optional `?invite=<token>`) into a route. The id is case-folded and
 * validated with the server's own schema, so a hand-typed `#/room/General` opens `general` and a
 * bad id opens nothing; a malformed invite is dropped rather than sent, and the room still opens.
 */
export function parseHash(hash: string): HashRoute {
  if (!hash.startsWith(ROOM_PREFIX)) return null;
  const rest = hash.slice(ROOM_PREFIX.length);
  const queryAt = rest.indexOf("?");
  const path = queryAt === -1 ? rest : rest.slice(0, queryAt);
  let raw: string;
  try {
    raw = decodeURIComponent(path);
  } catch {
    // A stray `%` makes decodeURIComponent throw; such a link names no room.
    return null;
  }
  const parsed = roomIdSchema.safeParse(raw.trim().replace(/\/+$/, ""));
  if (!parsed.success) return null;
  const invite = inviteSchema.safeParse(new URLSearchParams(queryAt === -1 ? "" : rest.slice(queryAt + 1)).get("invite"));
  return invite.success ? { roomId: parsed.data, invite: invite.data } : { roomId: parsed.data };
}

/** The hash for showing `roomId` (with `invite`, for a link to hand out), or the empty hash when no room is shown. */
export function formatHash(roomId: string | null, invite?: string): string {
  if (roomId === null) return "";
  const hash = `${ROOM_PREFIX}${encodeURIComponent(roomId)}`;
  return invite === undefined ? hash : `${hash}?${new URLSearchParams({ invite }).toString()}`;
}

/** The address that opens `roomId` and joins it with `invite`: this page's, with the room's hash. */
export function inviteLink(page: Pick<Location, "origin" | "pathname">, roomId: string, invite: string): string {
  return `${page.origin}${page.pathname}${formatHash(roomId, invite)}`;
}
