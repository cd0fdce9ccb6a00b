import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RoomSummary } from "../schema.js";
import { ManualClock } from "./clock.js";
import { MemoryBroker } from "./memory-broker.js";
import { RoomDirectory } from "./room-directory.js";

/** A broker that counts its `listRooms` reads. */
class CountingBroker extends MemoryBroker {
  reads = 0;
  override listRooms(): Promise<RoomSummary[]> {
    this.reads++;
    return super.listRooms();
  }
}

/** The private rooms of someone who is in none. */
const none = async (): Promise<string[]> => [];

describe("RoomDirectory", () => {
  let clock: ManualClock;
  let broker: CountingBroker;
  let directory: RoomDirectory;

  beforeEach(async () => {
    clock = new ManualClock();
    broker = new CountingBroker({ clock });
    directory = new RoomDirectory(broker, clock);
    // Room r-<n> has (n % 4) + 1 members: many ties, so pages must break them by id.
    for (let n = 0; n < 250; n++) {
      for (let member = 0; member <= n % 4; member++) await broker.addMember(`r-${n}`, `m${member}`, `h${n}-${member}`);
    }
  });

  afterEach(async () => {
    await broker.close();
  });

  it("walks every room once, in the list's order, a page at a time", async () => {
    const seen: RoomSummary[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await directory.page({ cursor, limit: 100 }, none);
      expect(page.rooms.length).toBeLessThanOrEqual(100);
      seen.push(...page.rooms);
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen).toEqual(await broker.listRooms());
  });

  it("reads the broker once a second, however often it is asked", async () => {
    await Promise.all(Array.from({ length: 500 }, () => directory.page({ limit: 10 }, none)));
    expect(broker.reads).toBe(1);
    clock.advance(999);
    await directory.page({ limit: 10 }, none);
    expect(broker.reads).toBe(1);
    clock.advance(1);
    await directory.page({ limit: 10 }, none);
    expect(broker.reads).toBe(2);
  });

  it("starts over from the first room for a cursor that names nothing", async () => {
    const first = await directory.page({ limit: 5 }, none);
    expect((await directory.page({ cursor: "garbage", limit: 5 }, none)).rooms).toEqual(first.rooms);
  });

  it("goes on after a room that left between two pages, by where it stood", async () => {
    const first = await directory.page({ limit: 10 }, none);
    const last = first.rooms.at(-1);
    if (last === undefined || first.nextCursor === null) throw new Error("no first page");
    const n = Number(last.roomId.slice(2));
    for (let member = 0; member <= n % 4; member++) expect(await broker.removeMember(last.roomId, `m${member}`, `h${n}-${member}`)).toBe(true);
    clock.advance(1000);
    const second = await directory.page({ cursor: first.nextCursor, limit: 10 }, none);
    const now = await broker.listRooms();
    expect(now.map((room) => room.roomId)).not.toContain(last.roomId);
    // The room that followed it is first, as it would have been.
    expect(second.rooms).toEqual(now.slice(9, 19));
  });

  it("lists a private room only to its members, and asks for them only when the list has one", async () => {
    let asked = 0;
    const mine = (rooms: string[]) => async (): Promise<string[]> => {
      asked++;
      return rooms;
    };
    const all = (await directory.page({ limit: 300 }, mine([]))).rooms.map((room) => room.roomId);
    expect(asked).toBe(0);
    await broker.access.makePrivate("r-3", "maker");
    clock.advance(1000);
    const stranger = (await directory.page({ limit: 300 }, mine([]))).rooms.map((room) => room.roomId);
    const member = (await directory.page({ limit: 300 }, mine(["r-3"]))).rooms.map((room) => room.roomId);
    expect(asked).toBe(2);
    expect(stranger).toEqual(all.filter((roomId) => roomId !== "r-3"));
    expect(member).toEqual(all);
  });
});
