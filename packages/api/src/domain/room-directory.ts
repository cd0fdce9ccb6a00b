/**
 * `listRooms` for everyone: the broker's list of rooms, read at most once a second and handed out
 * a page at a time, so a client asking for it a thousand times costs the server one read. A
 * private room is listed only to its members.
 */
import type { RoomId, RoomListPage, RoomSummary } from "../schema.js";
import type { ChatBroker } from "./broker.js";
import type { Clock } from "./clock.js";

/** How long one read of the broker's list serves every caller. */
const CACHE_MS = 1000;

/** What a page is asked for with. */
export interface RoomListRequest {
  /** Where the previous page ended (its `nextCursor`); absent for the first page. */
  cursor?: string | null;
  /** Rooms per page. */
  limit: number;
}

/** One read of the list: every room, and which of them are private. */
interface Listing {
  rooms: RoomSummary[];
  private: Set<RoomId>;
}

/** The room list, cached for a second and paged. One per server. */
export class RoomDirectory {
  private cached: { at: number; listing: Promise<Listing> } | null = null;

  constructor(
    private readonly broker: ChatBroker,
    private readonly clock: Clock,
  ) {}

  /**
   * The rooms after `cursor`, busiest first then by id, and the cursor of the next page (`null`
   * at the end); of the private ones, only those in `privateRooms()` (asked only when the list
   * has a private room).
   */
  async page({ cursor, limit }: RoomListRequest, privateRooms: () => Promise<RoomId[]>): Promise<RoomListPage> {
    const listing = await this.list();
    let { rooms } = listing;
    if (listing.private.size > 0) {
      const mine = new Set(await privateRooms());
      rooms = rooms.filter((room) => !listing.private.has(room.roomId) || mine.has(room.roomId));
    }
    const from = cursor ? firstAfter(rooms, parseCursor(cursor)) : 0;
    const page = rooms.slice(from, from + limit);
    const last = page.at(-1);
    return { rooms: page, nextCursor: last !== undefined && from + limit < rooms.length ? formatCursor(last) : null };
  }

  private list(): Promise<Listing> {
    const now = this.clock.now();
    if (this.cached === null || now - this.cached.at >= CACHE_MS) {
      const listing = this.read();
      this.cached = { at: now, listing };
      // A failed read (Redis away) is not kept: the next caller tries again.
      listing.catch(() => {
        if (this.cached?.listing === listing) this.cached = null;
      });
    }
    return this.cached.listing;
  }

  private async read(): Promise<Listing> {
    const rooms = await this.broker.listRooms();
    return { rooms, private: await this.broker.access.privateAmong(rooms.map((room) => room.roomId)) };
  }
}

/** The order of `listRooms`: busiest first, then by id. */
export function compareRooms(a: RoomSummary, b: RoomSummary): number {
  return b.members - a.members || (a.roomId < b.roomId ? -1 : a.roomId > b.roomId ? 1 : 0);
}

/** A page's end as an opaque string: the last room's member count and id. */
function formatCursor(room: RoomSummary): string {
  return `${room.members}:${room.roomId}`;
}

/** The room a cursor names; a cursor that is no such thing sorts before every room. */
function parseCursor(cursor: string): RoomSummary {
  const colon = cursor.indexOf(":");
  const members = Number(cursor.slice(0, colon));
  return colon > 0 && Number.isSafeInteger(members) ? { members, roomId: cursor.slice(colon + 1) } : { members: Number.POSITIVE_INFINITY, roomId: "" };
}

/** The index of the first room that sorts after `cursor` (binary search: `rooms` is sorted). */
function firstAfter(rooms: readonly RoomSummary[], cursor: RoomSummary): number {
  let low = 0;
  let high = rooms.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const room = rooms[mid];
    if (room !== undefined && compareRooms(room, cursor) <= 0) low = mid + 1;
    else high = mid;
  }
  return low;
}
