/**
 * Name claims and private rooms in the chat's SQLite file, beside its messages, so they survive a
 * restart. One process holds the file (locking_mode = EXCLUSIVE) and every call is synchronous,
 * so a check and its write have nothing in between; each pair is still one statement or one
 * transaction, so a failed write leaves nothing half done.
 */
import { type AccessStore, INVITES_PER_ROOM_MAX, type RoomAccess } from "@chat/api";
import type { RoomId } from "@chat/api/schema";
import type { Database as Connection } from "better-sqlite3";

/** Rows a sweep deletes per table: a few milliseconds of work, so the event loop is never held for long. */
const SWEEP_BATCH = 1000;

/** A row of `name_claims`. */
interface ClaimRow {
  holder: string;
  until: number;
}

/** The `AccessStore` of the SQLite broker, over the database its `MessageStore` opened. */
export class SqliteAccessStore implements AccessStore {
  /**
   * key → holder, for holds until released (`until` null): kept in memory only, since they end
   * with the connections that made them, and those end with the process. A key is claimed here
   * or in `name_claims`, never both: each claim clears the other place.
   */
  private readonly held = new Map<string, string>();
  private readonly statements: ReturnType<typeof prepare>;

  /** Over `db` as `MessageStore.open` left it: brought to the current schema, held by this process alone. */
  constructor(private readonly db: Connection) {
    this.statements = prepare(db);
  }

  async claimName(key: string, holder: string, until: number | null, now: number, force: boolean): Promise<boolean> {
    const heldBy = this.held.get(key);
    if (heldBy !== undefined && heldBy !== holder && !force) return false;
    if (until === null) {
      if (!this.db.transaction(() => this.dropClaim(key, holder, now, force))()) return false;
      this.held.set(key, holder);
    } else {
      // The upsert is the check: it writes only over a free key, the holder's own, a lapsed claim, or by force.
      if (this.statements.claim.run({ key, holder, until, now, force: force ? 1 : 0 }).changes === 0) return false;
      this.held.delete(key);
    }
    return true;
  }

  async releaseName(key: string, holder: string): Promise<void> {
    if (this.held.get(key) === holder) this.held.delete(key);
    else this.statements.release.run(key, holder);
  }

  async roomAccess(roomId: RoomId, identity: string): Promise<RoomAccess> {
    const row = this.statements.access.get({ roomId, identity }) as { private: number; member: number };
    return { private: row.private === 1, member: row.member === 1 };
  }

  async makePrivate(roomId: RoomId, identity: string): Promise<boolean> {
    const { insertRoom, isMember, addMember } = this.statements;
    return this.db.transaction(() => {
      if (insertRoom.run(roomId).changes === 0) return isMember.get(roomId, identity) !== undefined;
      addMember.run(roomId, identity);
      return true;
    })();
  }

  async addInvite(roomId: RoomId, inviteHash: string, expiresAt: number): Promise<void> {
    const { addInvite, trimInvites } = this.statements;
    this.db.transaction(() => {
      if (addInvite.run({ roomId, inviteHash, expiresAt }).changes > 0) trimInvites.run(roomId, INVITES_PER_ROOM_MAX);
    })();
  }

  async redeemInvite(roomId: RoomId, inviteHash: string, identity: string, now: number): Promise<boolean> {
    const { invite, dropInvite, addMember } = this.statements;
    return this.db.transaction(() => {
      const found = invite.get(roomId, inviteHash) as { id: number; expires_at: number } | undefined;
      if (found === undefined) return false;
      if (found.expires_at <= now) {
        dropInvite.run(found.id);
        return false;
      }
      addMember.run(roomId, identity);
      return true;
    })();
  }

  async revokeInvites(roomId: RoomId): Promise<void> {
    this.statements.revokeInvites.run(roomId);
  }

  async privateRoomsOf(identity: string): Promise<RoomId[]> {
    return this.statements.roomsOf.all(identity) as RoomId[];
  }

  async privateAmong(roomIds: readonly RoomId[]): Promise<Set<RoomId>> {
    if (roomIds.length === 0) return new Set();
    return new Set(this.statements.privateAmong.all(JSON.stringify(roomIds)) as RoomId[]);
  }

  /**
   * Deletes a batch of the claims lapsed at `now` and of the invites expired by then, which only
   * take up room: a claim or redemption that meets one treats it as gone. Returns whether a batch
   * was full, so that more may be left for the next sweep.
   */
  sweep(now: number): boolean {
    const { sweepClaims, sweepInvites } = this.statements;
    return this.db.transaction(() => {
      const claims = sweepClaims.run(now, SWEEP_BATCH).changes;
      const invites = sweepInvites.run(now, SWEEP_BATCH).changes;
      return claims >= SWEEP_BATCH || invites >= SWEEP_BATCH;
    })();
  }

  /** Deletes the key's row in `name_claims` unless another holds it unlapsed and not by `force`; returns whether the key is free now. */
  private dropClaim(key: string, holder: string, now: number, force: boolean): boolean {
    const row = this.statements.claimOf.get(key) as ClaimRow | undefined;
    if (row === undefined) return true;
    if (row.holder !== holder && row.until > now && !force) return false;
    this.statements.dropClaim.run(key);
    return true;
  }
}

/** Every statement the store runs, prepared once. */
function prepare(db: Connection) {
  return {
    claim: db.prepare(
      `INSERT INTO name_claims (key, holder, until) VALUES (@key, @holder, @until)
       ON CONFLICT (key) DO UPDATE SET holder = excluded.holder, until = excluded.until
       WHERE name_claims.holder = excluded.holder OR name_claims.until <= @now OR @force`,
    ),
    claimOf: db.prepare("SELECT holder, until FROM name_claims WHERE key = ?"),
    dropClaim: db.prepare("DELETE FROM name_claims WHERE key = ?"),
    release: db.prepare("DELETE FROM name_claims WHERE key = ? AND holder = ?"),
    access: db.prepare(
      `SELECT EXISTS (SELECT 1 FROM private_rooms WHERE room = @roomId) AS private,
              EXISTS (SELECT 1 FROM room_members WHERE room = @roomId AND identity = @identity) AS member`,
    ),
    insertRoom: db.prepare("INSERT INTO private_rooms (room) VALUES (?) ON CONFLICT DO NOTHING"),
    isMember: db.prepare("SELECT 1 FROM room_members WHERE room = ? AND identity = ?"),
    addMember: db.prepare("INSERT INTO room_members (room, identity) VALUES (?, ?) ON CONFLICT DO NOTHING"),
    // A hash added again keeps its place (as a Map key does in the memory store) with the new expiry.
    addInvite: db.prepare(
      `INSERT INTO invites (room, hash, expires_at) SELECT @roomId, @inviteHash, @expiresAt
       WHERE EXISTS (SELECT 1 FROM private_rooms WHERE room = @roomId)
       ON CONFLICT (room, hash) DO UPDATE SET expires_at = excluded.expires_at`,
    ),
    trimInvites: db.prepare("DELETE FROM invites WHERE id IN (SELECT id FROM invites WHERE room = ? ORDER BY id DESC LIMIT -1 OFFSET ?)"),
    invite: db.prepare("SELECT id, expires_at FROM invites WHERE room = ? AND hash = ?"),
    dropInvite: db.prepare("DELETE FROM invites WHERE id = ?"),
    revokeInvites: db.prepare("DELETE FROM invites WHERE room = ?"),
    roomsOf: db.prepare("SELECT room FROM room_members WHERE identity = ?").pluck(),
    // One query for a page of the room list, whatever its length.
    privateAmong: db.prepare("SELECT room FROM private_rooms WHERE room IN (SELECT value FROM json_each(?))").pluck(),
    sweepClaims: db.prepare("DELETE FROM name_claims WHERE key IN (SELECT key FROM name_claims WHERE until <= ? LIMIT ?)"),
    sweepInvites: db.prepare("DELETE FROM invites WHERE id IN (SELECT id FROM invites WHERE expires_at <= ? LIMIT ?)"),
  };
}
