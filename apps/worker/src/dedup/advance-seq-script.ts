import { defineLuaScript } from '@gateway/contracts';
import { WINDOW_LUA } from './window-lua.js';

/**
 * RR creation, when adopting or creating hits a terminal RR: the pending window's name is held by a terminal RR; move
 * it to `max(seq:<fp>, minSeq) + 1`. Names come from the caller as in ADMIT_SCRIPT ({base, names}); 'need-seq' is
 * answered before any write. A window already above `minSeq` (and not behind `seq:<fp>`) was moved by an earlier run of
 * the same job, so a re-run returns it unchanged instead of burning another name.
 *
 * KEYS: win:<fp>, seq:<fp>
 * ARGV: signalId, minSeq, candidate names JSON
 * Returns nil (not pending-and-ours), {'result', {rr, seq} JSON} or {'need-seq', base}.
 */
export const ADVANCE_SEQ_SCRIPT = defineLuaScript(`${WINDOW_LUA}
local win_key, seq_key = KEYS[1], KEYS[2]
local signal_id, min_seq, candidates = ARGV[1], tonumber(ARGV[2]), cjson.decode(ARGV[3])

local w = read_window(win_key)
if not w or w.state ~= 'pending' or w.owner ~= signal_id then return nil end

local current = tonumber(redis.call('GET', seq_key)) or 0
if w.seq > min_seq and w.seq >= current then
  return { 'result', cjson.encode({ rr = w.rr, seq = w.seq }) }
end
local base = math.max(current, min_seq)
local name = candidates.names[base + 1 - candidates.base]
if not name then return { 'need-seq', base } end
redis.call('SET', seq_key, fmt(base + 1))
redis.call('HSET', win_key, 'rr', name, 'seq', fmt(base + 1))
return { 'result', cjson.encode({ rr = name, seq = base + 1 }) }
`);
