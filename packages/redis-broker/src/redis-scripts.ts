/**
 * The broker's Lua scripts. Each one is a step that must happen atomically on Redis: assigning an
 * id and storing and announcing a message as one step is what gives every node the same order,
 * and changing a membership and announcing it as one step is what keeps snapshots and deltas in
 * step. Every script takes the key prefix as `ARGV[1]` and builds its keys from `KEY_PARTS`, so
 * the layout has one definition. (Keys built inside a script tie the broker to a single Redis,
 * not Redis Cluster: see docs/scaling.md.)
 */
import type { Redis } from "ioredis";
import { ACCESS_SCRIPTS, type AccessScripts } from "./redis-access-scripts.js";
import { KEY_PARTS } from "./redis-keys.js";

/**
 * Joins and leaves kept per room for presence streams that start while changes are under way;
 * one that falls further behind than this reads a fresh snapshot instead.
 */
const PRESENCE_LOG_SIZE = 128;

/** Key builders, the clock, and the presence steps shared by the scripts. */
const PRELUDE = `
local P = ARGV[1]
local function key(part, name) return P .. part .. (name or '') end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- The dataset's epoch, made on first use from the server's time in microseconds: a Redis that
-- lost its data gets a new one, so ids from before are never taken for positions in the new data.
local function epoch()
  local e = redis.call('GET', key('${KEY_PARTS.epoch}'))
  if e then return e end
  local t = redis.call('TIME')
  e = t[1] .. string.format('%06d', tonumber(t[2]))
  redis.call('SET', key('${KEY_PARTS.epoch}'), e)
  return e
end
-- A join ('j') or leave ('l'): the next presence version, kept in the room's presence log and
-- announced on its channel, so snapshot + log + channel always fit together.
local function announce_presence(room, change, username)
  local v = redis.call('INCR', key('${KEY_PARTS.presenceVersion}', room))
  redis.call('XADD', key('${KEY_PARTS.presenceLog}', room), 'MAXLEN', '~', ${PRESENCE_LOG_SIZE}, v .. '-0', 'e', change .. username)
  redis.call('PUBLISH', key('${KEY_PARTS.channel}', room), 'p' .. v .. '\\n' .. change .. username)
end
-- Activity in a room: every key the room leaves behind lives another TTL (ms) from now, so a
-- room nobody uses any more leaves nothing in Redis. (Its names hash needs none: it exists only
-- while someone is in the room.)
local function touch(room, ttl)
  redis.call('PEXPIRE', key('${KEY_PARTS.stream}', room), ttl)
  redis.call('PEXPIRE', key('${KEY_PARTS.presenceVersion}', room), ttl)
  redis.call('PEXPIRE', key('${KEY_PARTS.presenceLog}', room), ttl)
end
-- One holder fewer for the name; when it was the last, the name leaves the room and says so.
local function leave(room, username, ttl)
  local gone = 0
  if redis.call('HINCRBY', key('${KEY_PARTS.names}', room), username, -1) <= 0 then
    redis.call('HDEL', key('${KEY_PARTS.names}', room), username)
    if tonumber(redis.call('ZINCRBY', key('${KEY_PARTS.rooms}'), -1, room)) <= 0 then
      redis.call('ZREM', key('${KEY_PARTS.rooms}'), room)
    end
    announce_presence(room, 'l', username)
    gone = 1
  end
  touch(room, ttl)
  return gone
end
`;

/**
 * The scripts, by the method name each gets on the client. Replies: `chatEpoch` the epoch;
 * `chatStore` the new id; `chatWindow` `[epoch, oldest id if trimmed, entries]`; `chatPage` entries, or nil
 * for an unknown `before`; `chatClaim` `[state, rest]` with state `claimed`, `pending` or `done`
 * (then rest is `<id>\n<body>`); `chatJoin`, `chatLeave` 1 when the name arrived or left; `chatTouch` 0;
 * `chatRenew` 1 when the node had no lease (it was swept); `chatSweep` how many dead nodes it swept.
 */
const SCRIPTS = {
  /** ARGV: prefix. */
  chatEpoch: `return epoch()`,

  /** ARGV: prefix, room, history size, body, client id key or '', its TTL (ms), its expiry (broker clock), room TTL (ms). */
  chatStore: `
local room = ARGV[2]
local id = epoch() .. '-' .. redis.call('INCR', key('${KEY_PARTS.seq}'))
redis.call('XADD', key('${KEY_PARTS.stream}', room), 'MAXLEN', '~', ARGV[3], id, 'm', ARGV[4])
touch(room, ARGV[8])
if ARGV[5] ~= '' then
  redis.call('SET', ARGV[5], 'd\\n' .. ARGV[7] .. '\\n' .. id .. '\\n' .. ARGV[4], 'PX', ARGV[6])
end
redis.call('PUBLISH', key('${KEY_PARTS.channel}', room), 'm' .. id .. '\\n' .. ARGV[4])
return id`,

  /**
   * ARGV: prefix, client id key, now (broker clock), token, pending TTL (ms). Expiry is judged by
   * the broker's clock, stored in the value; the key's own PX only collects the garbage.
   */
  chatClaim: `
local v = redis.call('GET', ARGV[2])
local now = tonumber(ARGV[3])
if v then
  local state, expires, rest = string.match(v, '^(%a)\\n(%d+)\\n(.*)$')
  if tonumber(expires) > now then
    if state == 'd' then return {'done', rest} end
    return {'pending', ''}
  end
end
redis.call('SET', ARGV[2], 'p\\n' .. (now + tonumber(ARGV[5])) .. '\\n' .. ARGV[4], 'PX', ARGV[5])
return {'claimed', ''}`,

  /**
   * ARGV: prefix, room, count: the epoch; the newest `count` entries, newest first; and, when
   * those are all the stream holds, the id of its oldest entry if older ones were trimmed (or
   * deleted) away, else '0-0'; read in one step so they agree. Never more than `count` entries:
   * a start reads what it may replay, not the room's whole history.
   */
  chatWindow: `
local stream = key('${KEY_PARTS.stream}', ARGV[2])
local count = tonumber(ARGV[3])
local entries = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', count)
local trimmed = '0-0'
-- With fewer than count entries the stream holds no older one, so only its metadata can tell
-- whether older messages were trimmed away.
if #entries < count and redis.call('EXISTS', stream) == 1 then
  local info, fields = redis.call('XINFO', 'STREAM', stream), {}
  for i = 1, #info, 2 do fields[info[i]] = info[i + 1] end
  if tonumber(fields['entries-added']) > tonumber(fields['length']) then trimmed = fields['recorded-first-entry-id'] end
end
return {epoch(), trimmed, entries}`,

  /**
   * ARGV: prefix, room, history size, before ('' for the newest), count: the `count` entries just
   * before the entry `before`, newest first, or nil when `before` is not retained. Only the newest
   * `history size` entries are: `MAXLEN ~` trims whole stream nodes, so the stream may hold up to
   * a node (about 100 entries) more, which `history` never serves and a page must not either.
   * To find the oldest retained one it reads those extra entries, or the retained ones when they
   * are fewer (a history size lowered since), never the whole stream; one step, so all agree.
   */
  chatPage: `
local stream = key('${KEY_PARTS.stream}', ARGV[2])
local size, before = tonumber(ARGV[3]), ARGV[4]
local oldest = '-'
local excess = redis.call('XLEN', stream) - size
if excess > 0 then
  local ends = excess < size and redis.call('XRANGE', stream, '-', '+', 'COUNT', excess + 1)
    or redis.call('XREVRANGE', stream, '+', '-', 'COUNT', size)
  oldest = ends[#ends][1]
end
local top = '+'
if before ~= '' then
  local at = redis.call('XREVRANGE', stream, before, oldest, 'COUNT', 1)
  if #at == 0 or at[1][1] ~= before then return false end
  top = '(' .. before
end
return redis.call('XREVRANGE', stream, top, oldest, 'COUNT', tonumber(ARGV[5]))`,

  /** ARGV: prefix, client id key, token: frees a claim this publisher still holds. */
  chatRelease: `
local v = redis.call('GET', ARGV[2])
if v and string.match(v, '^p\\n%d+\\n(.*)$') == ARGV[3] then redis.call('DEL', ARGV[2]) end
return 0`,

  /** ARGV: prefix, room, username, node, membership (JSON [room, username, holder]), room TTL (ms). */
  chatJoin: `
local room, username = ARGV[2], ARGV[3]
if redis.call('SADD', key('${KEY_PARTS.holders}', ARGV[4]), ARGV[5]) == 0 then return 0 end
local arrived = 0
if redis.call('HINCRBY', key('${KEY_PARTS.names}', room), username, 1) == 1 then
  redis.call('ZINCRBY', key('${KEY_PARTS.rooms}'), 1, room)
  announce_presence(room, 'j', username)
  arrived = 1
end
touch(room, ARGV[6])
return arrived`,

  /** ARGV: prefix, room, username, node, membership, room TTL (ms). */
  chatLeave: `
if redis.call('SREM', key('${KEY_PARTS.holders}', ARGV[4]), ARGV[5]) == 0 then return 0 end
return leave(ARGV[2], ARGV[3], ARGV[6])`,

  /** ARGV: prefix, room TTL (ms), rooms…: the rooms a node still reads or holds live on. */
  chatTouch: `
for i = 3, #ARGV do touch(ARGV[i], ARGV[2]) end
return 0`,

  /** ARGV: prefix, node, lease TTL (ms). */
  chatRenew: `return redis.call('ZADD', key('${KEY_PARTS.nodes}'), now_ms() + tonumber(ARGV[3]), ARGV[2])`,

  /** ARGV: prefix, most nodes per call, room TTL (ms): removes the memberships of nodes whose lease ran out. */
  chatSweep: `
local dead = redis.call('ZRANGEBYSCORE', key('${KEY_PARTS.nodes}'), '-inf', now_ms(), 'LIMIT', 0, tonumber(ARGV[2]))
for _, node in ipairs(dead) do
  local holders = key('${KEY_PARTS.holders}', node)
  for _, membership in ipairs(redis.call('SMEMBERS', holders)) do
    local m = cjson.decode(membership)
    leave(m[1], m[2], ARGV[3])
  end
  redis.call('DEL', holders)
  redis.call('ZREM', key('${KEY_PARTS.nodes}'), node)
end
return #dead`,
} as const;

/** A script argument as Redis receives it. */
type ScriptArg = string | number;

/** The scripts, the access store's among them, as typed methods of a client made by `withChatScripts`. */
export interface ChatScripts extends AccessScripts {
  chatEpoch(prefix: string): Promise<string>;
  chatStore(...args: ScriptArg[]): Promise<string>;
  chatClaim(...args: ScriptArg[]): Promise<[string, string]>;
  chatWindow(...args: ScriptArg[]): Promise<[epoch: string, trimmedBefore: string, entries: [id: string, fields: string[]][]]>;
  chatPage(...args: ScriptArg[]): Promise<[id: string, fields: string[]][] | null>;
  chatRelease(...args: ScriptArg[]): Promise<number>;
  chatJoin(...args: ScriptArg[]): Promise<number>;
  chatLeave(...args: ScriptArg[]): Promise<number>;
  chatTouch(...args: ScriptArg[]): Promise<number>;
  chatRenew(...args: ScriptArg[]): Promise<number>;
  chatSweep(...args: ScriptArg[]): Promise<number>;
}

/** Registers the scripts on `redis` (sent by SHA, loaded again by ioredis after a Redis restart). */
export function withChatScripts(redis: Redis): Redis & ChatScripts {
  for (const [name, body] of Object.entries({ ...SCRIPTS, ...ACCESS_SCRIPTS })) redis.defineCommand(name, { numberOfKeys: 0, lua: PRELUDE + body });
  // defineCommand adds the methods at run time; ChatScripts states their shapes.
  return redis as Redis & ChatScripts;
}
