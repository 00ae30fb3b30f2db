import type { NormalizedSignal } from '@gateway/contracts';
import { createTestRedis, deleteKeysWithPrefix, sampleSignal, uniquePrefix } from '@gateway/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createFingerprinter,
  DEFAULT_SIMILARITY_SETTINGS,
  type FingerprinterHooks,
  type SimilarityDecision,
} from './create-fingerprinter.js';
import { defaultFingerprint } from './default-fingerprint.js';
import type { FingerprintSettings, SimilaritySettings } from './fingerprinter.js';
import { createRedisSimilarityStore, type SimilarityStore } from './similarity-store.js';

const redis = createTestRedis();
const prefixes: string[] = [];

afterAll(async () => {
  for (const prefix of prefixes) await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

function settingsWith(similarity: Partial<SimilaritySettings> = {}): FingerprintSettings {
  return {
    strategy: 'similarity',
    rules: [],
    clusterScoped: false,
    similarity: { ...DEFAULT_SIMILARITY_SETTINGS, ...similarity },
  };
}

/** A fingerprinter on a prefix of its own, with a clock the test moves. */
function setup(hooks: FingerprinterHooks = {}) {
  const prefix = uniquePrefix('similarity');
  prefixes.push(prefix);
  const clock = { nowMs: 1_000_000 };
  const fingerprinter = createFingerprinter({
    similarity: createRedisSimilarityStore(redis, { prefix }),
    nowMs: () => clock.nowMs,
    hooks,
  });
  const keys = async (pattern: string) => (await redis.keys(`${prefix}:sim:${pattern}`)).sort();
  return { prefix, clock, fingerprinter, keys };
}

const LETTERS = 'bcdfghjklmnpqrstvwxz';
/** Distinct values without digits or hex runs, so only adaptive masking can hide them. */
const word = (n: number) => `${LETTERS[n % 20]}${LETTERS[Math.floor(n / 20) % 20]}x${LETTERS[(n * 7) % 20]}`;

/** One exporter pod per `n`: each has a base fingerprint of its own, and masking makes their tokens equal. */
const scrape = (n: number, labels: Record<string, string> = {}, status: 'firing' | 'resolved' = 'firing') =>
  sampleSignal(n, {
    status,
    signalName: 'NodeExporterScrapeSlow',
    target: { type: 'kubernetes', kind: 'Pod', name: `node-exporter-${word(n)}b`, namespace: 'prod', scope: 'prod' },
    labels: { alertname: 'NodeExporterScrapeSlow', job: 'node-exporter', instance: `10.0.0.${n}:9100`, ...labels },
  });

describe('similarity strategy', () => {
  it('matches near-duplicates into one cluster once a label is found volatile', async () => {
    const { clock, fingerprinter, keys } = setup();
    const settings = settingsWith({
      adaptive: { ...DEFAULT_SIMILARITY_SETTINGS.adaptive, minObservations: 10, distinctThreshold: 10 },
    });
    const fingerprintOf = async (n: number) => {
      clock.nowMs += 61_000;
      return (await fingerprinter.fingerprint(scrape(n, { request: word(n) }), settings)).fingerprint;
    };
    const learning = new Set<string>();
    for (let n = 0; n < 12; n++) learning.add(await fingerprintOf(n));
    expect(learning.size).toBeGreaterThan(1);
    expect((await redis.smembers((await keys('volatile:*'))[0] ?? 'none')).sort()).toEqual(['instance', 'request']);
    const learnt = new Set<string>();
    for (let n = 100; n < 110; n++) learnt.add(await fingerprintOf(n));
    expect(learnt.size).toBe(1);
    const decision = await fingerprinter.fingerprint(scrape(2, { request: word(200) }), settings);
    expect(decision.fingerprint).toBe([...learnt][0]);
    expect(decision.strategy).toBe('similarity');
    expect(decision.evidence.similarity).toEqual({
      score: 1,
      clusterId: decision.fingerprint,
      maskedLabels: ['instance', 'request'],
      mode: 'enforce',
    });
  });

  it('matches pods and addresses that masking makes equal, and keeps a different workload apart', async () => {
    const { fingerprinter } = setup();
    const settings = settingsWith();
    const first = await fingerprinter.fingerprint(scrape(1), settings);
    const second = await fingerprinter.fingerprint(scrape(2), settings);
    expect(second.fingerprint).toBe(first.fingerprint);
    expect(first.fingerprint).toBe(defaultFingerprint(scrape(1), settings, undefined));
    const other = await fingerprinter.fingerprint(
      scrape(3, { job: 'kube-state-metrics', container: 'kube-state-metrics', endpoint: 'http-metrics' }),
      settings,
    );
    expect(other.fingerprint).not.toBe(first.fingerprint);
    expect(other.evidence.similarity?.score).toBeLessThan(0.8);
  });

  it('creates exactly one cluster when 20 near-identical signals match at once', async () => {
    const decisions: SimilarityDecision[] = [];
    const { fingerprinter, keys } = setup({ similarityDecided: (decision) => decisions.push(decision) });
    const settings = settingsWith();
    const pods = Array.from({ length: 20 }, (_, n) =>
      sampleSignal(n, {
        target: {
          type: 'kubernetes',
          kind: 'Pod',
          name: `web-5d4b9cz7fk-${word(n)}b`,
          namespace: 'prod',
          scope: 'prod',
        },
        labels: { alertname: 'KubePodCrashLooping', pod: `web-5d4b9cz7fk-${word(n)}b`, instance: `10.1.0.${n}:8080` },
      }),
    );
    const fingerprints = await Promise.all(pods.map((pod) => fingerprinter.fingerprint(pod, settings)));
    expect(new Set(fingerprints.map((decision) => decision.fingerprint)).size).toBe(1);
    expect(await keys('c:*')).toHaveLength(1);
    expect(decisions.filter((decision) => decision.result === 'new')).toHaveLength(1);
    expect(decisions.filter((decision) => decision.result === 'matched')).toHaveLength(19);
    expect(Math.max(...decisions.map((decision) => decision.members))).toBe(20);
  });

  it('dedups on the base fingerprint in shadow mode and reports the divergence', async () => {
    const decisions: SimilarityDecision[] = [];
    const { fingerprinter } = setup({ similarityDecided: (decision) => decisions.push(decision) });
    const settings = settingsWith({ mode: 'shadow' });
    const first = await fingerprinter.fingerprint(scrape(1), settings);
    const second = await fingerprinter.fingerprint(scrape(2), settings);
    expect(second.fingerprint).toBe(defaultFingerprint(scrape(2), settings, undefined));
    expect(second.fingerprint).not.toBe(first.fingerprint);
    expect(second.evidence.similarity).toMatchObject({ clusterId: first.fingerprint, mode: 'shadow', score: 1 });
    expect(decisions.map((decision) => decision.result)).toEqual(['new', 'shadow_diverged']);
  });

  it('looks a resolved signal up without creating a cluster', async () => {
    const { fingerprinter, keys } = setup();
    const settings = settingsWith();
    const resolvedAlone = await fingerprinter.fingerprint(scrape(1, {}, 'resolved'), settings);
    expect(resolvedAlone.fingerprint).toBe(defaultFingerprint(scrape(1), settings, undefined));
    expect(await keys('*')).toEqual([]);
    const firing = await fingerprinter.fingerprint(scrape(1), settings);
    const keysAfterFiring = await keys('*');
    const resolvedTwin = await fingerprinter.fingerprint(scrape(7, {}, 'resolved'), settings);
    expect(resolvedTwin.fingerprint).toBe(firing.fingerprint);
    expect(await keys('*')).toEqual(keysAfterFiring);
    expect(await redis.pfcount(`${keysAfterFiring.find((key) => key.includes(':sim:m:'))}`)).toBe(1);
  });

  it('sets the ttl on every key it touches', async () => {
    const { fingerprinter, keys } = setup();
    await fingerprinter.fingerprint(scrape(1), settingsWith({ ttlMs: 600_000 }));
    const touched = await keys('*');
    // Cluster, members, 16 bands, and per observed label a HyperLogLog and a counter.
    expect(touched.length).toBe(1 + 1 + 16 + 2 * 2);
    for (const key of touched) {
      const ttlMs = await redis.pttl(key);
      expect(ttlMs, key).toBeGreaterThan(590_000);
      expect(ttlMs, key).toBeLessThanOrEqual(600_000);
    }
  });

  it('makes one store call per firing signal once the volatile set is cached', async () => {
    const prefix = uniquePrefix('similarity');
    prefixes.push(prefix);
    const store = createRedisSimilarityStore(redis, { prefix });
    const calls: string[] = [];
    const counting: SimilarityStore = {
      match(request) {
        calls.push('match');
        return store.match(request);
      },
      volatileLabelKeys(signalHash) {
        calls.push('volatileLabelKeys');
        return store.volatileLabelKeys(signalHash);
      },
      addVolatileLabelKeys(signalHash, keys, ttlMs) {
        calls.push('addVolatileLabelKeys');
        return store.addVolatileLabelKeys(signalHash, keys, ttlMs);
      },
    };
    const fingerprinter = createFingerprinter({ similarity: counting, nowMs: () => 1_000_000 });
    const settings = settingsWith();
    await fingerprinter.fingerprint(scrape(1), settings);
    calls.length = 0;
    for (let n = 2; n < 6; n++) await fingerprinter.fingerprint(scrape(n), settings);
    expect(calls).toEqual(['match', 'match', 'match', 'match']);
    expect(await redis.get((await redis.keys(`${prefix}:sim:obs:*:instance`))[0] ?? 'none')).toBe('5');
  });

  it('counts observed labels in the match and leaves them alone when read-only', async () => {
    const prefix = uniquePrefix('similarity');
    prefixes.push(prefix);
    const store = createRedisSimilarityStore(redis, { prefix });
    const request = (baseFingerprint: string, value: string, readOnly = false) => ({
      scope: 'scope',
      bandHashes: ['a', 'b'],
      signature: '0000000100000002',
      minEqual: 2,
      maxCandidates: 20,
      ttlMs: 600_000,
      baseFingerprint,
      readOnly,
      observe: { signalHash: 'signal', labels: [['instance', value] as [string, string]] },
    });
    const founded = await store.match(request('first', 'a'));
    expect(founded).toMatchObject({ clusterId: 'first', matched: false, members: 1 });
    expect(founded.observations).toEqual([{ key: 'instance', observations: 1, distinct: 1 }]);
    const matched = await store.match(request('second', 'b'));
    expect(matched).toMatchObject({ clusterId: 'first', matched: true, bestEqual: 2, members: 2 });
    expect(matched.observations).toEqual([{ key: 'instance', observations: 2, distinct: 2 }]);
    const lookedUp = await store.match(request('third', 'c', true));
    expect(lookedUp).toMatchObject({ clusterId: 'first', matched: true, observations: [] });
    expect(await redis.get(`${prefix}:sim:obs:signal:instance`)).toBe('2');
  });

  it('uses the owner fingerprint as the base when asked', async () => {
    const { fingerprinter } = setup();
    const settings = settingsWith({ base: 'owner' });
    const signal: NormalizedSignal = sampleSignal(1, {
      target: { type: 'kubernetes', kind: 'Pod', name: 'web-5d4b9cz7fk-x2x9z', namespace: 'prod', scope: 'prod' },
    });
    const decision = await fingerprinter.fingerprint(signal, settings);
    expect(decision.evidence.ownerResolution).toBe('heuristic');
    expect(decision.evidence.similarity?.clusterId).toBe(decision.fingerprint);
  });
});
