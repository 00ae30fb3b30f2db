/**
 * Lua shared by the window scripts: reading a window hash (also the layout of `closed:<fp>:<seq>`, which
 * is a renamed window) and the flush schedule bound (at most one status write per flush interval). Prepended to each
 * script's source.
 *
 * Numbers are Lua doubles: epoch milliseconds and counts are integers far below 2^53, and they are
 * written with `%d` so Redis never stores an exponent form.
 */
export const WINDOW_LUA = `
local COUNT_CAP = 2147483647

local function fmt(n)
  return string.format('%d', n)
end

local function read_window(key)
  local v = redis.call('HMGET', key, 'state', 'rr', 'rrNs', 'seq', 'count', 'flushed', 'first', 'last', 'owner',
    'lastFlushAt', 'flushIntervalMs')
  if not v[1] then return nil end
  return {
    state = v[1], rr = v[2], rrNs = v[3], seq = tonumber(v[4]), count = tonumber(v[5]),
    flushed = tonumber(v[6]) or 0, first = tonumber(v[7]), last = tonumber(v[8]), owner = v[9],
    lastFlushAt = tonumber(v[10]) or 0, flushIntervalMs = tonumber(v[11]) or 0,
  }
end

local function snapshot_json(w)
  return cjson.encode({ rr = w.rr, namespace = w.rrNs, seq = w.seq, count = w.count, firstMs = w.first, lastMs = w.last })
end

local function flush_member(fp, seq)
  return fp .. ':' .. fmt(seq)
end

-- No RR status is written earlier than one flush interval after its last write (docs/fingerprints-and-windows.md).
local function earliest_write_at(w, now)
  return math.max(now, w.lastFlushAt + w.flushIntervalMs)
end
`;
