import { defineLuaScript } from '@gateway/contracts';
import { WINDOW_LUA } from './window-lua.js';

/**
 * Write-behind: hands out up to `limit` due status writes. A taken member is not removed but leased (moved
 * to now + lease): a flusher that dies mid-write leaves it to be taken again after the lease, and a
 * duplicate arriving meanwhile (ZADD NX) cannot schedule a second, concurrent write. completeFlush
 * replaces the lease with the real next time or removes the member.
 *
 * A member resolves to `win:<fp>` when that window has its seq, else to `closed:<fp>:<seq>` (a final
 * write). Dropped: pending windows (their creator's initial write carries the count), members whose
 * window and closed record are gone, and RRs already showing the count. Deferred: anything whose last
 * write is less than one flush interval ago.
 *
 * KEYS: dedup:dirty
 * ARGV: prefix, nowMs, limit, leaseMs
 * Returns a JSON array of tasks.
 */
export const TAKE_DUE_FLUSHES_SCRIPT = defineLuaScript(`${WINDOW_LUA}
local dirty_key = KEYS[1]
local prefix, now, limit, lease_ms = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])

local tasks = {}
for _, member in ipairs(redis.call('ZRANGEBYSCORE', dirty_key, '-inf', now, 'LIMIT', 0, limit)) do
  local fp, seq_text = string.match(member, '^(.+):(%d+)$')
  local w, closed
  if fp then
    w = read_window(prefix .. ':win:' .. fp)
    closed = false
    if not w or w.seq ~= tonumber(seq_text) then
      w = read_window(prefix .. ':closed:' .. member)
      closed = true
    end
  end
  if not w or (not closed and w.state ~= 'open') or w.count <= w.flushed then
    redis.call('ZREM', dirty_key, member)
  elseif earliest_write_at(w, now) > now then
    redis.call('ZADD', dirty_key, earliest_write_at(w, now), member)
  else
    redis.call('ZADD', dirty_key, now + lease_ms, member)
    tasks[#tasks + 1] = { fingerprint = fp, seq = w.seq, rr = w.rr, namespace = w.rrNs, count = w.count,
      firstMs = w.first, lastMs = w.last, closed = closed }
  end
end
if #tasks == 0 then return '[]' end
return cjson.encode(tasks)
`);
