/**
 * The guarantees every `AccessStore` keeps, as a vitest suite: each store's test file calls
 * `describeAccessContract` with a factory, so SQLite and Redis prove themselves against the same
 * sentences as memory. Times are plain numbers the sentences choose; no store reads a clock.
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { type AccessStore, INVITES_PER_ROOM_MAX } from "../domain/access-store.js";

/** A fresh store per test, and how to close it (with whatever `another` opened). */
export interface OpenedAccessStore {
  store: AccessStore;
  /** A second store over the same storage: another node of a cluster (see `shared`). */
  another?: () => Promise<AccessStore>;
  close: () => Promise<void>;
}

/** Makes the store each test runs against. */
export type AccessStoreFactory = () => Promise<OpenedAccessStore>;

/** One call per implementation; `shared` for a store whose factory gives `another` over the same storage. */
export function describeAccessContract(name: string, createStore: AccessStoreFactory, { shared = false } = {}): void {
  describe(`${name} keeps the AccessStore contract`, { timeout: 20_000 }, () => {
    let closers: (() => Promise<void>)[] = [];
    // Unique per test, so a store over shared storage never sees another test's names or rooms.
    const unique = (what: string): string => `${what}-${randomUUID().slice(0, 8)}`;
    const open = async (): Promise<OpenedAccessStore> => {
      const made = await createStore();
      closers.push(made.close);
      return made;
    };
    afterEach(async () => {
      await Promise.all(closers.map((close) => close()));
      closers = [];
    });

    describe("names", () => {
      it("gives a free name to the first holder, refuses another, and lets the holder claim it again", async () => {
        const { store } = await open();
        const key = unique("alice");
        expect(await store.claimName(key, "id-1", 1000, 0, false)).toBe(true);
        expect(await store.claimName(key, "id-2", 1000, 10, false)).toBe(false);
        expect(await store.claimName(key, "id-1", 2000, 20, false)).toBe(true);
      });

      it("lets another take a name whose claim lapsed, and counts a renewal from its new time", async () => {
        const { store } = await open();
        const key = unique("alice");
        await store.claimName(key, "id-1", 100, 0, false);
        await store.claimName(key, "id-1", 200, 50, false);
        expect(await store.claimName(key, "id-2", 300, 150, false)).toBe(false);
        expect(await store.claimName(key, "id-2", 300, 200, false)).toBe(true);
        expect(await store.claimName(key, "id-1", 400, 210, false)).toBe(false);
      });

      it("hands a name over by force, and the former holder is then refused", async () => {
        const { store } = await open();
        const key = unique("alice");
        await store.claimName(key, "guest", 1000, 0, false);
        expect(await store.claimName(key, "signed-in", 1000, 1, true)).toBe(true);
        expect(await store.claimName(key, "guest", 1000, 2, false)).toBe(false);
      });

      it("keeps a hold without expiry until its holder releases it, and ignores others' releases", async () => {
        const { store } = await open();
        const key = unique("carol");
        await store.claimName(key, "conn-1", null, 0, false);
        expect(await store.claimName(key, "id-2", 10, Number.MAX_SAFE_INTEGER - 1, false)).toBe(false);
        await store.releaseName(key, "id-2");
        expect(await store.claimName(key, "id-2", 10, 1, false)).toBe(false);
        await store.releaseName(key, "conn-1");
        expect(await store.claimName(key, "id-2", 10, 1, false)).toBe(true);
      });

      it("gives a name claimed by many at once to exactly one", async () => {
        const { store } = await open();
        const key = unique("dave");
        const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.claimName(key, `id-${i}`, 1000, 0, false)));
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it("keeps keys apart", async () => {
        const { store } = await open();
        expect(await store.claimName(unique("a"), "id-1", 1000, 0, false)).toBe(true);
        expect(await store.claimName(unique("b"), "id-2", 1000, 0, false)).toBe(true);
      });
    });

    describe("private rooms", () => {
      it("takes a room as public until it is made private; its maker is then its one member", async () => {
        const { store } = await open();
        const room = unique("r");
        expect(await store.roomAccess(room, "maker")).toEqual({ private: false, member: false });
        expect(await store.makePrivate(room, "maker")).toBe(true);
        expect(await store.roomAccess(room, "maker")).toEqual({ private: true, member: true });
        expect(await store.roomAccess(room, "stranger")).toEqual({ private: true, member: false });
        expect(await store.makePrivate(room, "maker")).toBe(true);
        expect(await store.makePrivate(room, "stranger")).toBe(false);
        expect(await store.roomAccess(room, "stranger")).toEqual({ private: true, member: false });
      });

      it("makes a room private for exactly one of two makers at once", async () => {
        const { store } = await open();
        const room = unique("r");
        const results = await Promise.all(["a", "b", "c"].map((maker) => store.makePrivate(room, maker)));
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it("lets an invite's holders in until it expires, and lists their rooms", async () => {
        const { store } = await open();
        const room = unique("r");
        await store.makePrivate(room, "maker");
        await store.addInvite(room, "hash-1", 1000);
        expect(await store.redeemInvite(room, "hash-1", "guest-1", 999)).toBe(true);
        expect(await store.redeemInvite(room, "hash-1", "guest-2", 500)).toBe(true);
        expect(await store.roomAccess(room, "guest-1")).toEqual({ private: true, member: true });
        expect(await store.privateRoomsOf("guest-2")).toEqual([room]);
        expect(await store.redeemInvite(room, "hash-1", "late", 1000)).toBe(false);
        expect(await store.redeemInvite(room, "other-hash", "guest-3", 0)).toBe(false);
        expect(await store.redeemInvite(unique("r"), "hash-1", "guest-3", 0)).toBe(false);
        expect(await store.roomAccess(room, "late")).toEqual({ private: true, member: false });
      });

      it("revokes every invite of a room and keeps its members", async () => {
        const { store } = await open();
        const room = unique("r");
        await store.makePrivate(room, "maker");
        await store.addInvite(room, "hash-1", 1000);
        await store.addInvite(room, "hash-2", 1000);
        await store.redeemInvite(room, "hash-1", "guest", 0);
        await store.revokeInvites(room);
        expect(await store.redeemInvite(room, "hash-1", "other", 0)).toBe(false);
        expect(await store.redeemInvite(room, "hash-2", "other", 0)).toBe(false);
        expect(await store.roomAccess(room, "guest")).toEqual({ private: true, member: true });
      });

      it(`keeps the newest ${INVITES_PER_ROOM_MAX} invites of a room`, async () => {
        const { store } = await open();
        const room = unique("r");
        await store.makePrivate(room, "maker");
        for (let i = 0; i <= INVITES_PER_ROOM_MAX; i++) await store.addInvite(room, `hash-${i}`, 1000 + i);
        expect(await store.redeemInvite(room, "hash-0", "first", 0)).toBe(false);
        expect(await store.redeemInvite(room, "hash-1", "second", 0)).toBe(true);
        expect(await store.redeemInvite(room, `hash-${INVITES_PER_ROOM_MAX}`, "last", 0)).toBe(true);
      });

      it("ignores invites to a room that is not private", async () => {
        const { store } = await open();
        const room = unique("r");
        await store.addInvite(room, "hash-1", 1000);
        expect(await store.redeemInvite(room, "hash-1", "guest", 0)).toBe(false);
        expect(await store.roomAccess(room, "guest")).toEqual({ private: false, member: false });
      });

      it("says which rooms are private", async () => {
        const { store } = await open();
        const [open1, secret, open2] = [unique("a"), unique("b"), unique("c")];
        await store.makePrivate(secret, "maker");
        expect(await store.privateAmong([open1, secret, open2])).toEqual(new Set([secret]));
        expect(await store.privateAmong([])).toEqual(new Set());
        expect(await store.privateRoomsOf("nobody")).toEqual([]);
      });
    });

    if (shared) {
      describe("over shared storage", () => {
        it("sees another store's claims, rooms and invites", async () => {
          const { store, another } = await open();
          if (another === undefined) throw new Error("A shared store's factory must give another().");
          const other = await another();
          const key = unique("erin");
          const room = unique("r");
          await store.claimName(key, "id-1", 1000, 0, false);
          await store.makePrivate(room, "maker");
          await store.addInvite(room, "hash", 1000);
          expect(await other.claimName(key, "id-2", 1000, 0, false)).toBe(false);
          expect(await other.roomAccess(room, "maker")).toEqual({ private: true, member: true });
          expect(await other.redeemInvite(room, "hash", "guest", 0)).toBe(true);
          expect(await store.roomAccess(room, "guest")).toEqual({ private: true, member: true });
        });
      });
    }
  });
}
