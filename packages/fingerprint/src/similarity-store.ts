import { defineLuaScript, runLuaScript } from '@gateway/contracts';
import type { Redis } from 'ioredis';

export interface SimilarityMatchRequest {
  /** `similarityScope`: band keys and candidates belong to one scope. */
  scope: string;
  /** One per LSH band, in band order. */
  bandHashes: readonly string[];
  /** `signatureHex`: 8 hex per MinHash value. */
  signature: string;
  /** Equal positions a candidate needs to match (`jaccardThreshold × numHashes`, rounded up). */
  minEqual: number;
  maxCandidates: number;
  ttlMs: number;
  /** The new cluster's id when nothing matches. */
  baseFingerprint: string;
  /** Resolved signals look up their firing twin's cluster: nothing is created or touched. */
  readOnly: boolean;
  /** Adaptive masking: count this firing's value of each label in the same step (never with `readOnly`). */
  observe?: LabelsToObserve;
}

export interface LabelsToObserve {
  /** `shortHash` of the signal name. */
  signalHash: string;
  labels: readonly [string, string][];
}

export interface SimilarityMatch {
  /** The matched cluster, else the base fingerprint (the new cluster's id, or nothing when read-only). */
  clusterId: string;
  matched: boolean;
  /** Equal positions of the best candidate; 0 without candidates. */
  bestEqual: number;
  /** Distinct base fingerprints in the cluster (HyperLogLog estimate); absent when read-only. */
  members?: number;
  /** Per label of `observe`, in its order: firings and distinct values seen. */
  observations: LabelObservation[];
}

export interface LabelObservation {
  key: string;
  observations: number;
  distinct: number;
}

/** The similarity strategy's Redis state: clusters, LSH bands and the adaptive-masking counters. */
export interface SimilarityStore {
  match(request: SimilarityMatchRequest): Promise<SimilarityMatch>;
  /** The label keys found volatile for a signal name (by `shortHash`). */
  volatileLabelKeys(signalHash: string): Promise<string[]>;
  addVolatileLabelKeys(signalHash: string, keys: readonly string[], ttlMs: number): Promise<void>;
}

/**
 * Candidates come from the band sets (at most `maxCandidates`, sorted so the choice among equal scores is stable);
 * each is scored against its founding signature. Candidate, score and claim are one step, so signals racing for a
 * cluster that does not exist yet create it once. A miss founds the cluster under the base fingerprint; NX keeps an
 * existing founding signature, so a cluster's id never changes meaning. Cluster keys are built here from the prefix:
 * their ids are only known inside the script.
 *
 * The adaptive-masking observation rides in the same script so that a firing signal costs one round trip: per label
 * key (ARGV[9] on, in pairs), count the firing, add its value to the HyperLogLog, answer both counts after the match's
 * own reply. The volatile set lives as long as its signal name fires, not `ttl` from the last key that joined it: it
 * would otherwise be learnt again.
 */
const MATCH_SCRIPT = `
local prefix, signature = ARGV[1], ARGV[2]
local minEqual, maxCandidates, ttl = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local base, readOnly, signalHash = ARGV[6], ARGV[7] == '1', ARGV[8]
local counts = {}
if signalHash ~= '' then
  redis.call('PEXPIRE', prefix .. ':sim:volatile:' .. signalHash, ttl)
  for i = 9, #ARGV, 2 do
    local hll = prefix .. ':sim:hll:' .. signalHash .. ':' .. ARGV[i]
    local obs = prefix .. ':sim:obs:' .. signalHash .. ':' .. ARGV[i]
    redis.call('PFADD', hll, ARGV[i + 1])
    counts[#counts + 1] = redis.call('INCR', obs)
    counts[#counts + 1] = redis.call('PFCOUNT', hll)
    redis.call('PEXPIRE', hll, ttl)
    redis.call('PEXPIRE', obs, ttl)
  end
end
local candidates, seen = {}, {}
for i = 1, #KEYS do
  if #candidates >= maxCandidates then break end
  local ids = redis.call('SRANDMEMBER', KEYS[i], maxCandidates)
  table.sort(ids)
  for _, id in ipairs(ids) do
    if not seen[id] and #candidates < maxCandidates then
      seen[id] = true
      candidates[#candidates + 1] = id
    end
  end
end
-- Firings that masking makes identical have equal signatures: no position-by-position count, and no later
-- candidate can score higher than all positions.
local positions = #signature / 8
local best, bestEqual = nil, 0
for _, id in ipairs(candidates) do
  local founding = redis.call('GET', prefix .. ':sim:c:' .. id)
  if founding == signature then
    best, bestEqual = id, positions
    break
  end
  if founding and #founding == #signature then
    local equal = 0
    for p = 1, #signature, 8 do
      if string.sub(founding, p, p + 7) == string.sub(signature, p, p + 7) then equal = equal + 1 end
    end
    if best == nil or equal > bestEqual then best, bestEqual = id, equal end
  end
end
local matched = best ~= nil and bestEqual >= minEqual
if readOnly then
  if matched then return {best, bestEqual, 1} end
  return {base, bestEqual, 0}
end
local cluster = base
if matched then
  cluster = best
  for i = 1, #KEYS do
    if redis.call('SISMEMBER', KEYS[i], best) == 1 then redis.call('PEXPIRE', KEYS[i], ttl) end
  end
else
  redis.call('SET', prefix .. ':sim:c:' .. base, signature, 'NX')
  for i = 1, #KEYS do
    redis.call('SADD', KEYS[i], base)
    redis.call('PEXPIRE', KEYS[i], ttl)
  end
end
redis.call('PEXPIRE', prefix .. ':sim:c:' .. cluster, ttl)
local membersKey = prefix .. ':sim:m:' .. cluster
redis.call('PFADD', membersKey, base)
redis.call('PEXPIRE', membersKey, ttl)
local reply = {cluster, bestEqual, matched and 1 or 0, redis.call('PFCOUNT', membersKey)}
for _, count in ipairs(counts) do reply[#reply + 1] = count end
return reply
`;

const MATCH = defineLuaScript(MATCH_SCRIPT);

/** Keys under `<prefix>:sim:` (docs/fingerprints-and-windows.md#similarity). */
export function createRedisSimilarityStore(redis: Redis, options: { prefix: string }): SimilarityStore {
  const { prefix } = options;
  const volatileKey = (signalHash: string) => `${prefix}:sim:volatile:${signalHash}`;
  return {
    async match(request) {
      const keys = request.bandHashes.map((hash, band) => `${prefix}:sim:b:${request.scope}:${band}:${hash}`);
      // A firing without observed labels touches no adaptive key, not even the volatile set's expiry.
      const observe = request.readOnly || !request.observe?.labels.length ? undefined : request.observe;
      const reply = (await runLuaScript(redis, MATCH, keys, [
        prefix,
        request.signature,
        request.minEqual,
        request.maxCandidates,
        request.ttlMs,
        request.baseFingerprint,
        request.readOnly ? '1' : '0',
        observe?.signalHash ?? '',
        ...(observe?.labels.flat() ?? []),
      ])) as [string, number, number, number?, ...number[]];
      const [clusterId, bestEqual, matched, members, ...counts] = reply;
      return {
        clusterId,
        bestEqual,
        matched: matched === 1,
        ...(members === undefined ? {} : { members }),
        observations: (observe?.labels ?? []).map(([key], i) => ({
          key,
          observations: counts[2 * i] ?? 0,
          distinct: counts[2 * i + 1] ?? 0,
        })),
      };
    },
    volatileLabelKeys: (signalHash) => redis.smembers(volatileKey(signalHash)),
    async addVolatileLabelKeys(signalHash, keys, ttlMs) {
      if (keys.length === 0) return;
      const key = volatileKey(signalHash);
      await redis
        .multi()
        .sadd(key, ...keys)
        .pexpire(key, ttlMs)
        .exec();
    },
  };
}
