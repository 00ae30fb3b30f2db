import { defineLuaScript } from '@gateway/contracts';
import { AUDIT_LUA } from './audit-lua.js';
import { WINDOW_LUA } from './window-lua.js';

/**
 * A non-retryable create failure gives the pending window up, with its audit events.
 * Only the owner's pending window is released, so a re-run appends nothing twice.
 *
 * KEYS: win:<fp>, win:index, dedup:dirty, audit
 * ARGV: fp, signalId, audit templates JSON
 */
export const RELEASE_SCRIPT = defineLuaScript(`${WINDOW_LUA}${AUDIT_LUA}
local win_key, index_key, dirty_key, audit_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local fp, signal_id, templates = ARGV[1], ARGV[2], ARGV[3]

local w = read_window(win_key)
if not w or w.state ~= 'pending' or w.owner ~= signal_id then return 0 end

redis.call('DEL', win_key)
redis.call('SREM', index_key, fp)
redis.call('ZREM', dirty_key, flush_member(fp, w.seq))
append_audit_all(audit_key, templates, w.rr, w.rrNs, w.count)
return 1
`);
