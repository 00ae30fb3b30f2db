import { defineLuaScript } from '@gateway/contracts';
import { AUDIT_LUA } from './audit-lua.js';
import { WINDOW_LUA } from './window-lua.js';

/**
 * A resolved signal is only audited (docs/fingerprints-and-windows.md#resolved-signals). Same replay and redelivery
 * steps as admission; the event names the window's RR when there is a window, and never touches it.
 *
 * KEYS: applied:<signalId>, win:<fp>, audit, [dlv:<hash>]
 * ARGV: signalId, deliveryDedupTtlMs, template with open RR, template without RR
 * Returns the admission JSON.
 */
export const ADMIT_RESOLVED_SCRIPT = defineLuaScript(`${WINDOW_LUA}${AUDIT_LUA}
local applied_key, win_key, audit_key, dlv_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local signal_id, dlv_ttl_ms, with_rr, without_rr = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
local APPLIED_TTL_MS = 86400000

local function decide(result)
  local encoded = cjson.encode(result)
  redis.call('SET', applied_key, encoded, 'PX', APPLIED_TTL_MS)
  return encoded
end

local stored = redis.call('GET', applied_key)
if stored then return stored end

if dlv_key then
  local first = redis.call('GET', dlv_key)
  if first and first ~= signal_id then return decide({ decision = 'redelivery', firstSignalId = first }) end
  redis.call('SET', dlv_key, signal_id, 'PX', dlv_ttl_ms)
end

local w = read_window(win_key)
if w then
  append_audit(audit_key, with_rr, w.rr, w.rrNs, w.count)
  return decide({ decision = 'resolved', rr = w.rr })
end
redis.call('XADD', audit_key, '*', 'event', without_rr)
return decide({ decision = 'resolved', rr = cjson.null })
`);
