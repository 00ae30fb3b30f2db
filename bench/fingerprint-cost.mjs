// What the owner strategy costs per signal with a warm owner cache (target: owner and class resolution < 1 ms p99),
// beside Kubernaut's formula on the same signals. The signals are a generated stream (bench/fingerprint/generate.mjs)
// parsed by the real source adapters; owner lookups are answered from its objects file, and the measured rounds come
// after a first pass that fills the cache, so every lookup is a cache hit, as for a workload already alerting.
//   node bench/fingerprint-cost.mjs [--seed 1] [--incidents 8] [--rounds 5]   (a few seconds; after pnpm build)
// `pnpm bench` runs it first, before any process starts, and judges the target (docs/benchmarks.md).

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const OWNER_CONFIG = join(root, 'examples/fingerprinting.yaml');

/** Microseconds at the quantile of ascending `sorted`, nearest rank. */
function quantileUs(sorted, q) {
  if (sorted.length === 0) return null;
  return Number(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)].toFixed(1));
}

export function summaryUs(durationsMs) {
  const sorted = Float64Array.from(durationsMs, (ms) => ms * 1000).sort();
  const total = sorted.reduce((sum, us) => sum + us, 0);
  return {
    count: sorted.length,
    meanUs: Number((total / sorted.length).toFixed(1)),
    p50Us: quantileUs(sorted, 0.5),
    p99Us: quantileUs(sorted, 0.99),
    p999Us: quantileUs(sorted, 0.999),
    maxUs: quantileUs(sorted, 1),
  };
}

/**
 * @param {{ seed?: number, incidents?: number, rounds?: number }} [options]
 * @returns {Promise<{ signals: number, rounds: number, owner: object, default: object, ownerLookups: object }>}
 */
export async function measureFingerprintCost({ seed = 1, incidents = 8, rounds = 5 } = {}) {
  const { loadConfig } = await import('../packages/config/dist/index.js');
  const { createFingerprinter, fingerprintSettingsFromConfig } = await import('../packages/fingerprint/dist/index.js');
  const { ObjectHistory } = await import('./fingerprint/dist/object-history.js');
  const { createSourceReplay } = await import('./fingerprint/dist/source-replay.js');
  const { defaultStrategyOf } = await import('./fingerprint/dist/evaluate.js');

  const dir = await mkdtemp(join(tmpdir(), 'fingerprint-cost-'));
  try {
    const objectsPath = join(dir, 'objects.jsonl');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(root, 'bench/fingerprint/generate.mjs'), '--seed', String(seed), '--incidents', String(incidents)].concat([
        '--objects',
        objectsPath,
      ]),
      { maxBuffer: 256 * 1024 * 1024 },
    );
    const loaded = loadConfig({ env: { GATEWAY_CONFIG: OWNER_CONFIG } });
    if (!loaded.ok) throw new Error(`${OWNER_CONFIG} is invalid`);
    const replay = createSourceReplay(loaded.config, loaded.configHash);
    const objects = new ObjectHistory();
    for (const text of (await readFile(objectsPath, 'utf8')).split('\n')) {
      if (text.trim() !== '') objects.add(JSON.parse(text));
    }

    // Parsing is the ingress's work: it is done once here and left out of the figures.
    const signals = [];
    for (const [index, text] of stdout.split('\n').entries()) {
      if (text.trim() === '') continue;
      const line = JSON.parse(text);
      for (const signal of (await replay.signalsOf(line, index)).signals) {
        if (signal.status === 'firing') signals.push({ signal, t: line.t, clusterId: line.clusterId });
      }
    }

    const current = { t: 0, clusterId: '' };
    const lookups = objects.lookupFrom(() => current.clusterId);
    let lookupCalls = 0;
    const counted = {
      controllerOf(ref, atMs, options) {
        lookupCalls++;
        return lookups.controllerOf(ref, atMs, options);
      },
    };
    const fingerprinter = createFingerprinter({ owners: counted, nowMs: () => current.t });
    const owner = fingerprintSettingsFromConfig(loaded.config);
    const byDefault = defaultStrategyOf(owner);

    async function pass(settings, durations) {
      for (const { signal, t, clusterId } of signals) {
        current.t = t;
        current.clusterId = clusterId;
        const started = performance.now();
        await fingerprinter.fingerprint(signal, settings);
        durations?.push(performance.now() - started);
      }
    }

    await pass(owner);
    const coldLookups = lookupCalls;
    const ownerMs = [];
    const defaultMs = [];
    // Interleaved, so that a burst of load from elsewhere on the machine weighs on both figures alike.
    for (let round = 0; round < rounds; round++) {
      await pass(byDefault, defaultMs);
      await pass(owner, ownerMs);
    }
    return {
      signals: signals.length,
      rounds,
      owner: summaryUs(ownerMs),
      default: summaryUs(defaultMs),
      ownerLookups: { warmUp: coldLookups, measured: lookupCalls - coldLookups },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: '1' },
      incidents: { type: 'string', default: '8' },
      rounds: { type: 'string', default: '5' },
    },
    strict: true,
  });
  const result = await measureFingerprintCost({
    seed: Number(values.seed),
    incidents: Number(values.incidents),
    rounds: Number(values.rounds),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
