// What the similarity strategy costs per signal with 100k open clusters in Redis (issue 11: similarity < 2 ms p99 at
// 100k open clusters). A unique prefix is filled with clusters through the real store and fingerprinter (signals of
// many signal names, namespaces and services, with the adaptive counters and volatile sets their firings leave), then
// the worker's `fingerprint()` call with a similarity rule is timed on a stream of near-duplicates of those clusters
// and of new problems, once sequentially and once with `--concurrency` calls in flight as the worker makes them. The
// prefix is deleted at the end.
//   node bench/similarity-cost.mjs [--clusters 100000] [--signals 5000] [--concurrency 16] [--seed 1]
// (about a minute at 100k clusters; after pnpm build; Redis at REDIS_URL). `pnpm bench` runs it after the
// fingerprint cost scenario, before any process starts (docs/benchmarks.md).

import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { summaryUs } from './fingerprint-cost.mjs';

/** Share of the measured stream that is a problem no cluster holds yet. */
const NEW_SHARE = 0.2;
/** Share of the near-duplicates that also carry a label their cluster's founder did not. */
const ALTERED_SHARE = 0.3;
/** Population calls in flight: enough to keep the auto-pipelined connection full. */
const POPULATION_IN_FLIGHT = 256;
const SIGNAL_NAMES = 150;
const NAMESPACES = 400;
const SERVICES_PER_NAMESPACE = 40;
const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'te', 'vo', 'zu', 'pa', 'di', 'ho'];
const CONTAINERS = ['app', 'proxy', 'worker', 'metrics'];
const ENDPOINTS = ['http', 'grpc', 'metrics'];
const HANDLERS = ['orders', 'users', 'search', 'login', 'cart', 'health', 'upload', 'report', 'export', 'billing'];
// Vowels keep generated names out of the pod-suffix masks; the suffixes below are what those masks replace.
const POD_SUFFIX = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * The rule the worker would run: every signal name through similarity, default thresholds. The labels that name a
 * problem are protected, as an operator would: each cluster here fires once while being populated, so they would
 * otherwise look volatile, and masking them would merge every service of a scope into one cluster.
 */
function similarityRuleSettings(DEFAULT_SIMILARITY_SETTINGS) {
  return {
    strategy: 'default',
    rules: [{ match: { signalName: '*' }, strategy: 'similarity' }],
    clusterScoped: false,
    similarity: {
      ...DEFAULT_SIMILARITY_SETTINGS,
      adaptive: {
        ...DEFAULT_SIMILARITY_SETTINGS.adaptive,
        protectedLabels: ['alertname', 'namespace', 'cluster', 'service', 'container', 'job', 'endpoint', 'handler'],
      },
    },
  };
}

/** A value in [0, n) skewed to small ones (a few signal names and namespaces carry most clusters, as in a fleet). */
const skewed = (random, n) => Math.min(n - 1, Math.floor(n * random() ** 2.5));
const pick = (random, values) => values[Math.floor(random() * values.length)];
const suffix = (random, length) => Array.from({ length }, () => pick(random, POD_SUFFIX)).join('');

function wordOf(index, syllables = 3) {
  let word = '';
  for (let i = 0, rest = index; i < syllables; i++, rest = Math.floor(rest / SYLLABLES.length)) {
    word += SYLLABLES[rest % SYLLABLES.length];
  }
  return word;
}

/** Identity of one problem: what its firings share after masking. `fresh` draws services no population signal used. */
function problemOf(random, fresh) {
  const namespace = skewed(random, NAMESPACES);
  const service = Math.floor(random() * SERVICES_PER_NAMESPACE) + (fresh ? SERVICES_PER_NAMESPACE : 0);
  return {
    signalName: `Bench${wordOf(skewed(random, SIGNAL_NAMES), 2)}Alert`,
    namespace: `ns-${wordOf(namespace)}`,
    service: `${wordOf(namespace * 2 * SERVICES_PER_NAMESPACE + service, 4)}`,
    container: pick(random, CONTAINERS),
    endpoint: pick(random, ENDPOINTS),
    handler: `/api/${pick(random, HANDLERS)}`,
  };
}

/** One firing of `problem`: a new pod and address every time, as a replaced pod fires again. */
function firingOf(sampleSignal, random, n, problem, extraLabels = {}) {
  const pod = `${problem.service}-${suffix(random, 9)}-${suffix(random, 5)}`;
  return sampleSignal(n, {
    signalName: problem.signalName,
    namespace: problem.namespace,
    target: { type: 'kubernetes', kind: 'Pod', name: pod, namespace: problem.namespace, scope: problem.namespace },
    labels: {
      alertname: problem.signalName,
      namespace: problem.namespace,
      service: problem.service,
      job: problem.service,
      container: problem.container,
      endpoint: problem.endpoint,
      handler: problem.handler,
      pod,
      instance: `10.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}:8080`,
      severity: 'warning',
      ...extraLabels,
    },
  });
}

/** Runs `task(i)` for i = 0, 1, … with `inFlight` at once while `more(i)`. */
async function runPool(inFlight, more, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (more(next)) await task(next++);
    }),
  );
}

async function usedMemoryBytes(redis) {
  return Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1] ?? Number.NaN);
}

/** Deletes the prefix, counting its keys. */
async function deletePrefix(redis, prefix) {
  let cursor = '0';
  let keys = 0;
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 5000);
    cursor = next;
    keys += batch.length;
    if (batch.length > 0) await redis.unlink(...batch);
  } while (cursor !== '0');
  return keys;
}

/**
 * @param {{ clusters?: number, signals?: number, concurrency?: number, seed?: number }} [options]
 */
export async function measureSimilarityCost({ clusters = 100_000, signals = 5000, concurrency = 16, seed = 1 } = {}) {
  const { createFingerprinter, createRedisSimilarityStore, DEFAULT_SIMILARITY_SETTINGS } = await import(
    '../packages/fingerprint/dist/index.js'
  );
  const { createTestRedis, sampleSignal, seededRandom, uniquePrefix } = await import(
    '../packages/testkit/dist/index.js'
  );
  const settings = similarityRuleSettings(DEFAULT_SIMILARITY_SETTINGS);
  const random = seededRandom(seed);
  // The worker's window-store connection: auto-pipelined, shared by every signal in flight.
  const redis = createTestRedis({ enableAutoPipelining: true });
  const prefix = uniquePrefix('bench-similarity');
  const store = createRedisSimilarityStore(redis, { prefix });
  let result;
  let keys = 0;
  try {
    const memoryBefore = await usedMemoryBytes(redis);
    let founded = 0;
    const populating = createFingerprinter({
      similarity: store,
      nowMs: Date.now,
      hooks: { similarityDecided: ({ result }) => void (result === 'new' && founded++) },
    });
    const problems = [];
    const populationStarted = performance.now();
    await runPool(
      POPULATION_IN_FLIGHT,
      () => founded < clusters,
      async (n) => {
        const problem = problemOf(random, false);
        problems.push(problem);
        await populating.fingerprint(firingOf(sampleSignal, random, n, problem), settings);
      },
    );
    const populationMs = performance.now() - populationStarted;
    const memoryAfter = await usedMemoryBytes(redis);

    // The measured fingerprinter's volatile-label cache is filled first, as in a worker that has been running.
    const outcomes = [];
    const fingerprinter = createFingerprinter({
      similarity: store,
      nowMs: Date.now,
      hooks: { similarityDecided: ({ result }) => outcomes.push(result) },
    });
    const stream = Array.from({ length: signals }, () => {
      if (random() < NEW_SHARE) return { problem: problemOf(random, true), extra: {} };
      const extra = random() < ALTERED_SHARE ? { reason: pick(random, HANDLERS) } : {};
      return { problem: pick(random, problems), extra };
    });
    const signalNames = new Map(problems.map((problem) => [problem.signalName, problem]));
    for (const [n, problem] of [...signalNames.values()].entries()) {
      await fingerprinter.fingerprint(firingOf(sampleSignal, random, n, problem), settings);
    }
    outcomes.length = 0;

    const firings = (offset) =>
      stream.map(({ problem, extra }, i) => firingOf(sampleSignal, random, offset + i, problem, extra));
    const sequentialMs = [];
    for (const signal of firings(1_000_000)) {
      const started = performance.now();
      await fingerprinter.fingerprint(signal, settings);
      sequentialMs.push(performance.now() - started);
    }
    const sequentialOutcomes = outcomes.splice(0);
    const concurrentMs = [];
    // The same problems again, with new pods and addresses: the new ones now match what the sequential pass founded.
    const concurrentSignals = firings(2_000_000);
    const concurrentStarted = performance.now();
    await runPool(
      concurrency,
      (i) => i < concurrentSignals.length,
      async (i) => {
        const signal = concurrentSignals[i];
        const started = performance.now();
        await fingerprinter.fingerprint(signal, settings);
        concurrentMs.push(performance.now() - started);
      },
    );
    const concurrentElapsedMs = performance.now() - concurrentStarted;
    const count = (list, result) => list.filter((outcome) => outcome === result).length;
    result = {
      population: {
        clusters: founded,
        signals: problems.length,
        signalNames: signalNames.size,
        scopes: new Set(problems.map((problem) => `${problem.signalName}/${problem.namespace}`)).size,
        seconds: Number((populationMs / 1000).toFixed(1)),
        redisMemoryMiB: Number(((memoryAfter - memoryBefore) / 2 ** 20).toFixed(1)),
      },
      stream: {
        signals,
        newShare: NEW_SHARE,
        alteredShare: ALTERED_SHARE,
        matched: count(sequentialOutcomes, 'matched'),
        founded: count(sequentialOutcomes, 'new'),
      },
      sequential: summaryUs(sequentialMs),
      concurrent: {
        inFlight: concurrency,
        perSecond: Math.round(concurrentMs.length / (concurrentElapsedMs / 1000)),
        ...summaryUs(concurrentMs),
      },
    };
  } finally {
    keys = await deletePrefix(redis, prefix).finally(() => redis.disconnect());
  }
  return { ...result, population: { ...result.population, keys } };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      clusters: { type: 'string', default: '100000' },
      signals: { type: 'string', default: '5000' },
      concurrency: { type: 'string', default: '16' },
      seed: { type: 'string', default: '1' },
    },
    strict: true,
  });
  const result = await measureSimilarityCost({
    clusters: Number(values.clusters),
    signals: Number(values.signals),
    concurrency: Number(values.concurrency),
    seed: Number(values.seed),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
