import { defineLuaScript } from '@gateway/contracts';
import { WINDOW_LUA } from './window-lua.js';

/**
 * Write-behind bookkeeping after a successful status write (the initial one or a flush): `flushed = written`,
 * `lastFlushAt = now`, and the member is rescheduled one interval out if the count grew meanwhile, else
 * removed. A closed record whose count was written is deleted: it can no longer grow. The same applies
 * when the window was closed while a flush of it was in flight.
 *
 * KEYS: dedup:dirty
 * ARGV: prefix, fp, seq, countWritten, nowMs, flushIntervalMs
 */
export const RECORD_WRITE_SCRIPT = defineLuaScript(`${WINDOW_LUA}
local dirty_key = KEYS[1]
local prefix, fp, seq = ARGV[1], ARGV[2], tonumber(ARGV[3])
local written, now, flush_interval_ms = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local member = flush_member(fp, seq)

local key = prefix .. ':win:' .. fp
local w = read_window(key)
local closed = false
if w and w.seq == seq then
  if w.state ~= 'open' then return 0 end
else
  key = prefix .. ':closed:' .. member
  w = read_window(key)
  closed = true
  if not w then
    redis.call('ZREM', dirty_key, member)
    return 0
  end
end

if closed and w.count <= written then
  redis.call('DEL', key)
  redis.call('ZREM', dirty_key, member)
  return 1
end
redis.call('HSET', key, 'flushed', fmt(written), 'lastFlushAt', fmt(now), 'flushIntervalMs', fmt(flush_interval_ms))
if w.count > written then
  redis.call('ZADD', dirty_key, now + flush_interval_ms, member)
else
  redis.call('ZREM', dirty_key, member)
end
return 1
`);
