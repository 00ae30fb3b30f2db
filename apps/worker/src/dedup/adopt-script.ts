import { defineLuaScript } from '@gateway/contracts';
import { AUDIT_LUA } from './audit-lua.js';
import { WINDOW_LUA } from './window-lua.js';

/**
 * Adopt instead of create (docs/remediation-requests.md#creation): Redis lost the window of a live RR; the pending
 * window owned by this signal takes it over. Acting only on pending-and-ours makes a re-run a no-op (nil) that appends
 * no second event.
 *
 * KEYS: win:<fp>, seq:<fp>, dedup:dirty, audit
 * ARGV: fp, signalId, rr, namespace, seq, existingCount, existingFirstSeenMs ('' unknown), nowMs,
 *       flushIntervalMs, audit templates JSON
 * Returns the snapshot JSON or nil.
 */
export const ADOPT_SCRIPT = defineLuaScript(`${WINDOW_LUA}${AUDIT_LUA}
local win_key, seq_key, dirty_key, audit_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local fp, signal_id, rr, namespace = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local seq, existing_count, existing_first = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local now, flush_interval_ms, templates = tonumber(ARGV[8]), tonumber(ARGV[9]), ARGV[10]

local w = read_window(win_key)
if not w or w.state ~= 'pending' or w.owner ~= signal_id then return nil end

w.rr, w.rrNs, w.seq = rr, namespace, seq
w.count = math.min(existing_count + w.count, COUNT_CAP)
if existing_first and existing_first < w.first then w.first = existing_first end
-- The RR already shows existing_count; the merged count is due at once (it was never written).
w.flushed = math.min(existing_count, COUNT_CAP)
w.flushIntervalMs = flush_interval_ms
redis.call('HSET', win_key, 'state', 'open', 'rr', rr, 'rrNs', namespace, 'seq', fmt(seq), 'count', fmt(w.count),
  'first', fmt(w.first), 'flushed', fmt(w.flushed), 'flushIntervalMs', fmt(flush_interval_ms))
-- The next window must take a name above the adopted one.
local current = tonumber(redis.call('GET', seq_key)) or 0
if seq > current then redis.call('SET', seq_key, fmt(seq)) end
redis.call('ZADD', dirty_key, 'NX', earliest_write_at(w, now), flush_member(fp, seq))
append_audit_all(audit_key, templates, rr, namespace, w.count)
return snapshot_json(w)
`);
