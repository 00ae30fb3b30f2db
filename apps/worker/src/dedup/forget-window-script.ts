import { defineLuaScript } from '@gateway/contracts';
import { WINDOW_LUA } from './window-lua.js';

/**
 * A status write answered 404, so the RR is gone. Its window (only if it still has that seq:
 * a newer window of the fingerprint is untouched), its closed record and its flush member are deleted;
 * `seq:<fp>` stays, so the next claim takes a new name.
 *
 * KEYS: win:<fp>, win:index, dedup:dirty
 * ARGV: prefix, fp, seq
 */
export const FORGET_WINDOW_SCRIPT = defineLuaScript(`${WINDOW_LUA}
local win_key, index_key, dirty_key = KEYS[1], KEYS[2], KEYS[3]
local prefix, fp, seq = ARGV[1], ARGV[2], tonumber(ARGV[3])
local member = flush_member(fp, seq)

local w = read_window(win_key)
if w and w.seq == seq then
  redis.call('DEL', win_key)
  redis.call('SREM', index_key, fp)
end
redis.call('DEL', prefix .. ':closed:' .. member)
redis.call('ZREM', dirty_key, member)
return 1
`);
