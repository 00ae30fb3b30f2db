import { defineLuaScript } from '@gateway/contracts';
import { WINDOW_LUA } from './window-lua.js';

/**
 * A retryable status write failure replaces the flusher's lease with the retry time, as long as
 * something is left to write (the window with that seq, or its closed record).
 *
 * KEYS: win:<fp>, dedup:dirty
 * ARGV: prefix, fp, seq, retryAtMs
 */
export const RETRY_FLUSH_SCRIPT = defineLuaScript(`${WINDOW_LUA}
local win_key, dirty_key = KEYS[1], KEYS[2]
local prefix, fp, seq, retry_at = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local member = flush_member(fp, seq)

local w = read_window(win_key)
local pending_write = (w and w.seq == seq) or redis.call('EXISTS', prefix .. ':closed:' .. member) == 1
if pending_write then
  redis.call('ZADD', dirty_key, retry_at, member)
else
  redis.call('ZREM', dirty_key, member)
end
return 1
`);
