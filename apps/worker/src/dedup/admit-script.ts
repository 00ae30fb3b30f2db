import { defineLuaScript } from '@gateway/contracts';
import { AUDIT_LUA } from './audit-lua.js';
import { CLOSE_WINDOW_LUA } from './close-window-lua.js';
import { WINDOW_LUA } from './window-lua.js';

/**
 * The admission decision in one atomic script: stored-decision replay, redelivery, close if the RR is
 * terminal, duplicate, claim (docs/fingerprints-and-windows.md#the-decision-one-atomic-lua-step).
 *
 * KEYS: applied:<signalId>, win:<fp>, seq:<fp>, win:index, dedup:dirty, audit, [dlv:<hash>]
 * ARGV: prefix, fp, signalId, deliveryDedupTtlMs, receivedAtMs, namespace, flushIntervalMs, nowMs,
 *       duplicate audit template ('' for none), candidate names JSON {base, names}, terminal names JSON,
 *       id of the job holding the signal ('' when it is the signalId)
 *
 * Returns {'result', <admission JSON>} or {'need-seq', <current seq>}. RR names use sha256, which Redis
 * Lua lacks, so the caller passes the names of seqs base+1…base+n; when a claim needs a seq outside
 * them the script answers 'need-seq' BEFORE writing anything and the caller retries with names from
 * that seq. The decision itself is therefore always taken in one script run against one state.
 */
const ADMIT_LUA = `
local function admit(KEYS, ARGV)
local applied_key, win_key, seq_key, index_key, dirty_key, audit_key, dlv_key =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local prefix, fp, signal_id = ARGV[1], ARGV[2], ARGV[3]
local dlv_ttl_ms, received, namespace = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local flush_interval_ms, now, duplicate_template = tonumber(ARGV[7]), tonumber(ARGV[8]), ARGV[9]
local candidates = cjson.decode(ARGV[10])
local terminal = {}
for _, name in ipairs(cjson.decode(ARGV[11])) do terminal[name] = true end

local function decide(result)
  local encoded = cjson.encode(result)
  redis.call('SET', applied_key, encoded, 'PX', APPLIED_TTL_MS)
  return { 'result', encoded }
end

local function claimed_from(w)
  return { decision = 'claimed', rr = w.rr, namespace = w.rrNs, seq = w.seq, count = w.count }
end

-- 1. A re-run replays its decision. A claim is answered from the window while the signal still owns it,
-- because advanceSeq and adopt may have renamed it since.
local stored = redis.call('GET', applied_key)
if stored then
  local result = cjson.decode(stored)
  if result.decision == 'claimed' then
    local w = read_window(win_key)
    if w and w.owner == signal_id then return { 'result', cjson.encode(claimed_from(w)) } end
  end
  return { 'result', stored }
end

-- 2. Redelivery of an item another signal already brought.
if dlv_key then
  local first = redis.call('GET', dlv_key)
  if first and first ~= signal_id then
    return decide({ decision = 'redelivery', firstSignalId = first })
  end
end

local w = read_window(win_key)
local closing = w ~= nil and terminal[w.rr] == true
local live = w ~= nil and not closing

local next_seq, next_name
if not live then
  local current = tonumber(redis.call('GET', seq_key)) or 0
  next_seq = current + 1
  next_name = candidates.names[next_seq - candidates.base]
  if not next_name then return { 'need-seq', current } end
end

-- Every check passed: from here on the script writes.
if dlv_key then redis.call('SET', dlv_key, signal_id, 'PX', dlv_ttl_ms) end

-- 3. The window's RR is terminal or deleted: close it and claim the next one.
if closing then close_window(prefix, fp, win_key, index_key, dirty_key, w, true, now) end

if live then
  -- Its own window without an applied record (the record expired): still the claim, not a duplicate.
  if w.owner == signal_id then return decide(claimed_from(w)) end
  -- 4. Count the duplicate. A pending window is written by its creator's initial write, so only an
  -- open one is scheduled; NX keeps an earlier schedule (or a flusher's lease) as it is.
  local count = math.min(w.count + 1, COUNT_CAP)
  redis.call('HSET', win_key, 'count', fmt(count), 'last', fmt(math.max(w.last, received)),
    'flushIntervalMs', fmt(flush_interval_ms))
  if w.state == 'open' then
    w.flushIntervalMs = flush_interval_ms
    redis.call('ZADD', dirty_key, 'NX', earliest_write_at(w, now), flush_member(fp, w.seq))
  end
  if duplicate_template ~= '' then append_audit(audit_key, duplicate_template, w.rr, w.rrNs, count) end
  return decide({ decision = 'duplicate', rr = w.rr, namespace = w.rrNs, seq = w.seq, count = count, state = w.state })
end

-- 5. Claim a new window.
redis.call('SET', seq_key, fmt(next_seq))
redis.call('HSET', win_key, 'state', 'pending', 'rr', next_name, 'rrNs', namespace, 'seq', fmt(next_seq),
  'count', '1', 'flushed', '0', 'first', fmt(received), 'last', fmt(received), 'owner', signal_id,
  'lastFlushAt', '0', 'flushIntervalMs', fmt(flush_interval_ms))
if ARGV[12] ~= '' then redis.call('HSET', win_key, 'job', ARGV[12]) else redis.call('HDEL', win_key, 'job') end
redis.call('SADD', index_key, fp)
return decide({ decision = 'claimed', rr = next_name, namespace = namespace, seq = next_seq, count = 1 })
end
`;

const ADMIT_COMMON = `${WINDOW_LUA}${AUDIT_LUA}${CLOSE_WINDOW_LUA}
local APPLIED_TTL_MS = 86400000
${ADMIT_LUA}`;

export const ADMIT_SCRIPT = defineLuaScript(`${ADMIT_COMMON}
return admit(KEYS, ARGV)
`);

/**
 * The admission of many signals in one call, each exactly as ADMIT_SCRIPT would decide it alone, in their order.
 * Called without RR names, so a signal that would claim a window answers 'need-seq' without writing, and the caller
 * admits it on its own with names. From then on every later signal of the same fingerprint in the call answers
 * 'deferred' without being looked at, and so does every later one after a replayed claim: the caller runs those in
 * order after the claim, so a fingerprint's signals keep the order of the job.
 *
 * ARGV: item count, then per item its key count and argument count, then its ADMIT_SCRIPT arguments. KEYS: per
 * item its ADMIT_SCRIPT keys. Returns one reply per item: ADMIT_SCRIPT's, or {'deferred', ''}.
 */
export const ADMIT_BATCH_SCRIPT = defineLuaScript(`${ADMIT_COMMON}
local replies = {}
local deferred = {}
local key_at, arg_at = 1, 2
for i = 1, tonumber(ARGV[1]) do
  local key_count, arg_count = tonumber(ARGV[arg_at]), tonumber(ARGV[arg_at + 1])
  local item_keys, item_args = {}, {}
  for k = 1, key_count do item_keys[k] = KEYS[key_at + k - 1] end
  for a = 1, arg_count do item_args[a] = ARGV[arg_at + 1 + a] end
  key_at, arg_at = key_at + key_count, arg_at + 2 + arg_count
  local fp = item_args[2]
  if deferred[fp] then
    replies[i] = { 'deferred', '' }
  else
    local reply = admit(item_keys, item_args)
    if reply[1] ~= 'result' or string.find(reply[2], '"decision":"claimed"', 1, true) then deferred[fp] = true end
    replies[i] = reply
  end
end
return replies
`);
