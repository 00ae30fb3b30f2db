import { defineLuaScript } from '@gateway/contracts';
import { AUDIT_LUA } from './audit-lua.js';
import { WINDOW_LUA } from './window-lua.js';

/**
 * After the RR exists: pending → open for the owner, with its audit events. A flush is scheduled one
 * interval out as a safety net: if the worker dies before its initial status write, the flusher writes
 * the count instead; after a successful initial write, recordInitialWrite withdraws it.
 *
 * KEYS: win:<fp>, dedup:dirty, audit
 * ARGV: fp, signalId, audit templates JSON, nowMs
 * Returns the snapshot JSON, or nil when the window is not pending-and-ours (a re-run).
 */
export const MARK_OPEN_SCRIPT = defineLuaScript(`${WINDOW_LUA}${AUDIT_LUA}
local win_key, dirty_key, audit_key = KEYS[1], KEYS[2], KEYS[3]
local fp, signal_id, templates, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])

local w = read_window(win_key)
if not w or w.state ~= 'pending' or w.owner ~= signal_id then return nil end

redis.call('HSET', win_key, 'state', 'open')
redis.call('ZADD', dirty_key, 'NX', now + w.flushIntervalMs, flush_member(fp, w.seq))
append_audit_all(audit_key, templates, w.rr, w.rrNs, w.count)
return snapshot_json(w)
`);
