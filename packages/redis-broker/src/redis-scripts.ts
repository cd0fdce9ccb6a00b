/**
 * The broker's Lua scripts. Each one is a step that must happen atomically on Redis: assigning an
 * id and storing and announcing a message as one step is what gives every node the same order,
 * and changing a membership and announcing it as one step is what keeps snapshots and deltas in
 * step. Every script takes the key prefix as `ARGV[1]` and builds its keys from `KEY_PARTS`, so
 * the layout has one definition. (Keys built inside a script tie the broker to a single Redis,
 * not Redis Cluster: see docs/scaling.md.)
 */
import type { Redis } from "ioredis";
import type { EntryOverlay, StreamEntry } from "./message-codec.js";
import { ACCESS_SCRIPTS, type AccessScripts } from "./redis-access-scripts.js";
import { KEY_PARTS } from "./redis-keys.js";

/**
 * Joins and leaves kept per room for presence streams that start while changes are under way;
 * one that falls further behind than this reads a fresh snapshot instead.
 */
const PRESENCE_LOG_SIZE = 128;

/**
 * How many states of messages trimmed from the stream a room's states hash may hold before a
 * change sweeps them: sweeping reads the whole hash, so it runs once per this many changes at most.
 */
const STATES_SLACK = 100;

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
  redis.call('PEXPIRE', key('${KEY_PARTS.states}', room), ttl)
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
-- Only the newest size entries of a stream are retained: MAXLEN ~ trims whole stream nodes, so
-- the stream may hold up to a node (about 100 entries) more, which no read may serve. The id of
-- the oldest retained entry, or '-' when the stream holds no more than that; it reads those extra
-- entries, or the retained ones when they are fewer (a history size lowered since), never the
-- whole stream.
local function oldest_retained(stream, size)
  local excess = redis.call('XLEN', stream) - size
  if excess <= 0 then return '-' end
  local ends = excess < size and redis.call('XRANGE', stream, '-', '+', 'COUNT', excess + 1)
    or redis.call('XREVRANGE', stream, '+', '-', 'COUNT', size)
  return ends[#ends][1]
end
-- The entry of message id (not an update's) when the stream retains it, else nil.
local function retained_message(stream, size, id)
  local at = redis.call('XREVRANGE', stream, id, oldest_retained(stream, size), 'COUNT', 1)
  if #at == 0 or at[1][1] ~= id or at[1][2][1] == 't' then return nil end
  return at[1]
end
-- What the room's states hash says of entries just read, in the same step, so both agree: per
-- entry, the current state of the message it holds (of an update's target only once that is
-- deleted, so no earlier text of it is shown) or false, and 1 when the message it quotes is
-- deleted. Nil when the room never had a message changed, which costs plain rooms one EXISTS.
local function overlay(room, entries)
  local states = key('${KEY_PARTS.states}', room)
  if redis.call('EXISTS', states) == 0 then return nil end
  local current, gone = {}, {}
  for i, entry in ipairs(entries) do
    local fields = entry[2]
    local update = fields[1] == 't'
    local state = redis.call('HGET', states, update and fields[2] or entry[1])
    current[i] = state and (not update or string.sub(state, 1, 1) == 'd') and state or false
    gone[i] = 0
    for j = 1, #fields, 2 do
      if fields[j] == 'r' then
        local quoted = redis.call('HGET', states, fields[j + 1])
        if quoted and string.sub(quoted, 1, 1) == 'd' then gone[i] = 1 end
      end
    end
  end
  return {current, gone}
end
`;

/**
 * The scripts, by the method name each gets on the client. Replies: `chatEpoch` the epoch;
 * `chatStore` `[new id, 1 when the quote was emptied]`; `chatChange` see there; `chatMessage`
 * `[entry, overlay]` or nil; `chatWindow` `[epoch, oldest id if trimmed, entries, overlay]`;
 * `chatPage` `[entries, overlay]`, or nil for an unknown `before`; `chatRange` `[entries, overlay]`
 * (overlay: see `EntryOverlay`, absent when the room has no changed message); `chatClaim`
 * `[state, rest]` with state `claimed`, `pending` or `done`
 * (then rest is `<id>\n<body>`); `chatJoin`, `chatLeave` 1 when the name arrived or left; `chatTouch` 0;
 * `chatRenew` 1 when the node had no lease (it was swept); `chatSweep` how many dead nodes it swept.
 */
const SCRIPTS = {
  /** ARGV: prefix. */
  chatEpoch: `return epoch()`,

  /**
   * ARGV: prefix, room, history size, body, client id key or '', its TTL (ms), its expiry (broker
   * clock), room TTL (ms), quoted id or '', the body with the quote's text emptied or '', author
   * id or ''. A reply to a message deleted by now is stored with the second body, so a quote
   * never outlives the text it quotes; a plain message costs two comparisons more than before.
   */
  chatStore: `
local room = ARGV[2]
local body, fields = ARGV[4], nil
if ARGV[9] ~= '' then
  local quoted = redis.call('HGET', key('${KEY_PARTS.states}', room), ARGV[9])
  if quoted and string.sub(quoted, 1, 1) == 'd' then body = ARGV[10] end
  fields = {'m', body, 'r', ARGV[9]}
end
if ARGV[11] ~= '' then
  fields = fields or {'m', body}
  fields[#fields + 1] = 'a'
  fields[#fields + 1] = ARGV[11]
end
local id = epoch() .. '-' .. redis.call('INCR', key('${KEY_PARTS.seq}'))
if fields then
  redis.call('XADD', key('${KEY_PARTS.stream}', room), 'MAXLEN', '~', ARGV[3], id, unpack(fields))
else
  redis.call('XADD', key('${KEY_PARTS.stream}', room), 'MAXLEN', '~', ARGV[3], id, 'm', body)
end
touch(room, ARGV[8])
if ARGV[5] ~= '' then
  redis.call('SET', ARGV[5], 'd\\n' .. ARGV[7] .. '\\n' .. id .. '\\n' .. body, 'PX', ARGV[6])
end
redis.call('PUBLISH', key('${KEY_PARTS.channel}', room), 'm' .. id .. '\\n' .. body)
return {id, body == ARGV[4] and 0 or 1}`,

  /**
   * ARGV: prefix, room, history size, message id, the version read ('' for none), 'c' or 'd'
   * (deleted), the new state's body, the id it quotes or '', when (broker clock, ms), room TTL
   * (ms). The compare-and-set of a change: when the message's state is still the one read and the
   * message still retained, appends the update to the stream, makes its state current and
   * announces it, in one step, so two nodes changing one message at once both take effect, one
   * after the other (the second is told 'conflict', reads again and retries). Replies
   * {'ok', update id}, {'conflict'} or {'gone'}.
   */
  chatChange: `
local room, target = ARGV[2], ARGV[4]
local stream, states = key('${KEY_PARTS.stream}', room), key('${KEY_PARTS.states}', room)
local state = redis.call('HGET', states, target)
if (state and string.match(state, '^[^\\n]*') or '') ~= ARGV[5] then return {'conflict'} end
if not retained_message(stream, tonumber(ARGV[3]), target) then return {'gone'} end
local id = epoch() .. '-' .. redis.call('INCR', key('${KEY_PARTS.seq}'))
local fields = {'t', target, 's', ARGV[9], 'm', ARGV[7]}
if ARGV[8] ~= '' then fields[7] = 'r'; fields[8] = ARGV[8] end
redis.call('XADD', stream, 'MAXLEN', '~', ARGV[3], id, unpack(fields))
redis.call('HSET', states, target, ARGV[6] .. id .. '\\n' .. ARGV[7])
-- Trimming leaves the states of the messages it dropped behind; once they are more than the
-- slack (live states are at most one per entry), they go.
if redis.call('HLEN', states) > redis.call('XLEN', stream) + ${STATES_SLACK} then
  local first = tonumber(string.match(redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)[1][1], '%d+$'))
  for _, message in ipairs(redis.call('HKEYS', states)) do
    if tonumber(string.match(message, '%d+$')) < first then redis.call('HDEL', states, message) end
  end
end
touch(room, ARGV[10])
redis.call('PUBLISH', key('${KEY_PARTS.channel}', room), 'u' .. id .. '\\n' .. target .. '\\n' .. ARGV[9] .. '\\n' .. ARGV[7])
return {'ok', id}`,

  /**
   * ARGV: prefix, room, history size, message id: the message's entry and what the states hash
   * says of it (see overlay), or nil when the room retains no such message.
   */
  chatMessage: `
local entry = retained_message(key('${KEY_PARTS.stream}', ARGV[2]), tonumber(ARGV[3]), ARGV[4])
if not entry then return false end
return {entry, overlay(ARGV[2], {entry})}`,

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
   * deleted) away, else '0-0'; and what the states hash says of the entries; read in one step so
   * they agree. Never more than `count` entries: a start reads what it may replay, not the room's
   * whole history.
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
return {epoch(), trimmed, entries, overlay(ARGV[2], entries)}`,

  /**
   * ARGV: prefix, room, history size, before ('' for the newest), count: the `count` messages
   * just before the message `before` among the retained entries (see oldest_retained), newest
   * first, updates skipped, and what the states hash says of them; or nil when `before` is not a
   * retained message. Reads a chunk at a time, so a page among many updates reads on past them
   * but never past the oldest retained entry; one step, so all agree.
   */
  chatPage: `
local room = ARGV[2]
local stream = key('${KEY_PARTS.stream}', room)
local size, before, count = tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5])
local oldest = oldest_retained(stream, size)
local top = '+'
if before ~= '' then
  if not retained_message(stream, size, before) then return false end
  top = '(' .. before
end
local found = {}
while #found < count do
  local asked = math.max(count - #found, 64)
  local chunk = redis.call('XREVRANGE', stream, top, oldest, 'COUNT', asked)
  for _, entry in ipairs(chunk) do
    if #found < count and entry[2][1] ~= 't' then found[#found + 1] = entry end
  end
  if #chunk < asked or chunk[#chunk][1] == oldest then break end
  top = '(' .. chunk[#chunk][1]
end
return {found, overlay(room, found)}`,

  /**
   * ARGV: prefix, room, 'rev' or 'fwd', start, end, count (0 for all): XREVRANGE or XRANGE of the
   * room's stream and what the states hash says of the entries, read in one step so they agree.
   */
  chatRange: `
local stream = key('${KEY_PARTS.stream}', ARGV[2])
local command = ARGV[3] == 'rev' and 'XREVRANGE' or 'XRANGE'
local entries = ARGV[6] == '0' and redis.call(command, stream, ARGV[4], ARGV[5])
  or redis.call(command, stream, ARGV[4], ARGV[5], 'COUNT', ARGV[6])
return {entries, overlay(ARGV[2], entries)}`,

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
  chatStore(...args: ScriptArg[]): Promise<[id: string, quoteEmptied: number]>;
  chatChange(...args: ScriptArg[]): Promise<[outcome: "ok", id: string] | [outcome: "conflict" | "gone"]>;
  chatMessage(...args: ScriptArg[]): Promise<[entry: StreamEntry, overlay?: EntryOverlay] | null>;
  chatClaim(...args: ScriptArg[]): Promise<[string, string]>;
  chatWindow(...args: ScriptArg[]): Promise<[epoch: string, trimmedBefore: string, entries: StreamEntry[], overlay?: EntryOverlay]>;
  chatPage(...args: ScriptArg[]): Promise<[entries: StreamEntry[], overlay?: EntryOverlay] | null>;
  chatRange(...args: ScriptArg[]): Promise<[entries: StreamEntry[], overlay?: EntryOverlay]>;
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
