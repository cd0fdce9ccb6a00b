/**
 * The Lua scripts of the access store (`RedisAccessStore`), registered with the broker's others
 * by `withChatScripts`, whose prelude (`key`) they use. Each is a check and a change that must
 * happen as one step: two nodes claiming one name, or making one room private, at once must not
 * both see it free. Like the others, each takes the key prefix as `ARGV[1]`.
 */
import { INVITES_PER_ROOM_MAX } from "@chat/api";
import { KEY_PARTS } from "./redis-keys.js";

/**
 * A name claim's value is `<until>\n<holder>`, `<until>` empty for a hold until released. Lapse
 * is judged by the broker's `now` against the stored `<until>`, so the store agrees with a clock
 * that tests drive by hand; the key's own expiry (`until − now` from the claim, or the node's
 * lease TTL for a hold until released) is what frees the key in Redis, with no sweep.
 */
const CLAIM_HELPERS = `
local function claim_key(name) return key('${KEY_PARTS.nameClaim}', name) end
-- A stored claim's until ('' until released) and holder.
local function parse_claim(v) return string.match(v, '^([^\\n]*)\\n(.*)$') end
`;

/**
 * The scripts, by the method name each gets on the client. Replies: `chatNameClaim`,
 * `chatMakePrivate`, `chatRedeemInvite` 1 when done, else 0; `chatNameRenew` the 1-based positions
 * of the holds another holder took; `chatNameRelease`, `chatAddInvite` 0; `chatRoomAccess`
 * `[private, member]` as 1 or 0.
 */
export const ACCESS_SCRIPTS = {
  /** ARGV: prefix, name key, holder, until ('' until released), now, force (1 or 0), hold TTL (ms). */
  chatNameClaim: `${CLAIM_HELPERS}
local k, holder, till, now = claim_key(ARGV[2]), ARGV[3], ARGV[4], tonumber(ARGV[5])
local v = redis.call('GET', k)
if v and ARGV[6] ~= '1' then
  local held_till, held_by = parse_claim(v)
  if held_by ~= holder and (held_till == '' or tonumber(held_till) > now) then return 0 end
end
local ttl = till == '' and tonumber(ARGV[7]) or math.ceil(tonumber(till) - now)
-- A claim that has lapsed already holds nothing.
if ttl <= 0 then redis.call('DEL', k) else redis.call('SET', k, till .. '\\n' .. holder, 'PX', ttl) end
return 1`,

  /** ARGV: prefix, (name key, holder)…: ends each claim its holder still holds. */
  chatNameRelease: `${CLAIM_HELPERS}
for i = 2, #ARGV, 2 do
  local k = claim_key(ARGV[i])
  local v = redis.call('GET', k)
  if v and select(2, parse_claim(v)) == ARGV[i + 1] then redis.call('DEL', k) end
end
return 0`,

  /**
   * ARGV: prefix, hold TTL (ms), (name key, holder)…: a live node's holds until released, kept
   * for another TTL; one that lapsed while the node was cut off is put back when nobody took the
   * name meanwhile, since its connection still uses it.
   */
  chatNameRenew: `${CLAIM_HELPERS}
local lost = {}
for i = 3, #ARGV, 2 do
  local k, mine = claim_key(ARGV[i]), '\\n' .. ARGV[i + 1]
  local v = redis.call('GET', k)
  if not v or v == mine then redis.call('SET', k, mine, 'PX', ARGV[2]) else table.insert(lost, (i - 1) / 2) end
end
return lost`,

  /** ARGV: prefix, room, identity. */
  chatRoomAccess: `
return {redis.call('SISMEMBER', key('${KEY_PARTS.privateRooms}'), ARGV[2]), redis.call('SISMEMBER', key('${KEY_PARTS.members}', ARGV[2]), ARGV[3])}`,

  /** ARGV: prefix, room, identity: a room already private answers whether the identity is its member. */
  chatMakePrivate: `
local room, identity = ARGV[2], ARGV[3]
if redis.call('SADD', key('${KEY_PARTS.privateRooms}'), room) == 0 then
  return redis.call('SISMEMBER', key('${KEY_PARTS.members}', room), identity)
end
redis.call('SADD', key('${KEY_PARTS.members}', room), identity)
redis.call('SADD', key('${KEY_PARTS.memberOf}', identity), room)
return 1`,

  /**
   * ARGV: prefix, room, invite hash, expires at. Scored by expiry, so the invites trimmed first
   * are those with the least time left: the oldest, as every invite lasts as long (`INVITE_TTL_MS`).
   */
  chatAddInvite: `
if redis.call('SISMEMBER', key('${KEY_PARTS.privateRooms}'), ARGV[2]) == 0 then return 0 end
local invites = key('${KEY_PARTS.invites}', ARGV[2])
redis.call('ZADD', invites, ARGV[4], ARGV[3])
redis.call('ZREMRANGEBYRANK', invites, 0, -${INVITES_PER_ROOM_MAX + 1})
return 0`,

  /** ARGV: prefix, room, invite hash, identity, now: an expired invite is forgotten. */
  chatRedeemInvite: `
local room, identity = ARGV[2], ARGV[4]
local invites = key('${KEY_PARTS.invites}', room)
local expires = redis.call('ZSCORE', invites, ARGV[3])
if not expires then return 0 end
if tonumber(expires) <= tonumber(ARGV[5]) then
  redis.call('ZREM', invites, ARGV[3])
  return 0
end
redis.call('SADD', key('${KEY_PARTS.members}', room), identity)
redis.call('SADD', key('${KEY_PARTS.memberOf}', identity), room)
return 1`,
} as const;

/** A script argument as Redis receives it. */
type ScriptArg = string | number;

/** The access scripts as typed methods of a client made by `withChatScripts`. */
export interface AccessScripts {
  chatNameClaim(...args: ScriptArg[]): Promise<number>;
  chatNameRelease(...args: ScriptArg[]): Promise<number>;
  chatNameRenew(...args: ScriptArg[]): Promise<number[]>;
  chatRoomAccess(...args: ScriptArg[]): Promise<[isPrivate: number, isMember: number]>;
  chatMakePrivate(...args: ScriptArg[]): Promise<number>;
  chatAddInvite(...args: ScriptArg[]): Promise<number>;
  chatRedeemInvite(...args: ScriptArg[]): Promise<number>;
}
