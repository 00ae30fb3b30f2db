import { sha256Hex } from '@gateway/contracts';
import {
  createTestRedis,
  deleteKeysWithPrefix,
  type KubeSandbox,
  sampleSignal,
  startKubeSandbox,
  uniquePrefix,
  waitFor,
} from '@gateway/testkit';
import { KubeConfig } from '@kubernetes/client-node';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisWindowStore } from '../dedup/index.js';
import {
  createCircuitBreaker,
  createRemediationClient,
  DEFAULT_CIRCUIT_BREAKER_SETTINGS,
  DEFAULT_RETRY_POLICY,
} from '../kube/index.js';
import { buildRemediationRequest } from '../remediation/index.js';
import { createStatusFlusher, type StatusFlusherSettings } from './status-flusher.js';

const NS = 'kubernaut-system';
const FLUSH_INTERVAL_MS = 100;

const flusherSettings = (overrides: Partial<StatusFlusherSettings>): StatusFlusherSettings => ({
  flushIntervalMs: FLUSH_INTERVAL_MS,
  flushConcurrency: 20,
  batchLimit: 500,
  maxWritesPerSecond: 10_000,
  retryDelayMs: FLUSH_INTERVAL_MS,
  ...overrides,
});

describe('status flusher', () => {
  let sandbox: KubeSandbox;
  let redis: Redis;
  const prefix = uniquePrefix('flusher');

  beforeAll(async () => {
    sandbox = await startKubeSandbox();
    redis = createTestRedis();
  });

  afterAll(async () => {
    await sandbox?.close();
    await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
  });

  const remediationClient = () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(sandbox.kubeconfig(NS));
    return createRemediationClient(kubeConfig, {
      policy: () => DEFAULT_RETRY_POLICY,
      breaker: createCircuitBreaker({ name: 'k8s-api', settings: () => DEFAULT_CIRCUIT_BREAKER_SETTINGS }),
    });
  };

  /** A window whose RR got its initial write (count 1), then two duplicates: count 3 is due one interval later. */
  async function windowWithTwoDuplicates(
    store: ReturnType<typeof createRedisWindowStore>,
    client: ReturnType<typeof createRemediationClient>,
    name: string,
  ) {
    const fingerprint = sha256Hex(`flusher:${prefix}:${name}`);
    const signal = sampleSignal(1, { signalId: `${prefix}-${name}-owner` });
    const rr = buildRemediationRequest({
      signal,
      fingerprint,
      seq: 1,
      namespace: NS,
      strategy: 'default',
      now: new Date(),
    });
    await client.create(rr);
    const t0 = Date.now();
    const admit = (signalId: string, nowMs: number) =>
      store.admit({
        fingerprint,
        signalId,
        deliveryKeyHash: null,
        deliveryDedupTtlMs: 0,
        receivedAtMs: nowMs,
        namespace: NS,
        terminalRrNames: [],
        flushIntervalMs: FLUSH_INTERVAL_MS,
        nowMs,
      });
    await admit(signal.signalId, t0);
    await store.markOpen(fingerprint, signal.signalId, [], t0);
    await store.recordInitialWrite(fingerprint, 1, 1, t0, FLUSH_INTERVAL_MS);
    await admit(`${prefix}-${name}-dup-1`, t0 + 1);
    await admit(`${prefix}-${name}-dup-2`, t0 + 2);
    const occurrenceCount = () =>
      (sandbox.object(NS, rr.metadata.name)?.status as { deduplication?: { occurrenceCount?: number } } | undefined)
        ?.deduplication?.occurrenceCount;
    return { t0, occurrenceCount };
  }

  it('skips its rounds while suspended, keeping counts due, and writes them once resumed', async () => {
    const client = remediationClient();
    const store = createRedisWindowStore(redis, { prefix });
    const { t0, occurrenceCount } = await windowWithTwoDuplicates(store, client, 'suspended');

    let suspended = true;
    let roundsSkippedWhileDue = 0;
    const flusher = createStatusFlusher({
      store,
      client,
      settings: () => flusherSettings({ flushConcurrency: 2 }),
      now: () => Date.now(),
      suspended: () => {
        if (suspended && Date.now() > t0 + 2 * FLUSH_INTERVAL_MS) roundsSkippedWhileDue++;
        return suspended;
      },
    });
    flusher.start();
    try {
      await waitFor(() => roundsSkippedWhileDue >= 3, { timeoutMs: 10_000, description: 'three skipped rounds' });
      expect(sandbox.requestCount({ method: 'PATCH' })).toBe(0);
      expect(await redis.zcard(`${prefix}:dedup:dirty`)).toBe(1);

      suspended = false;
      await waitFor(() => occurrenceCount() === 3, { timeoutMs: 10_000, description: 'the count to be written' });
      // The entry leaves the dirty set after the write lands, a moment later on a loaded machine.
      await waitFor(async () => (await redis.zcard(`${prefix}:dedup:dirty`)) === 0, {
        timeoutMs: 10_000,
        description: 'the written entry to leave the dirty set',
      });
    } finally {
      await flusher.stop();
    }
  });

  it('writes no more per round than dedup.maxStatusWritesPerSecond allows, and every count in the rounds after', async () => {
    const client = remediationClient();
    const budgetPrefix = `${prefix}-budget`;
    const store = createRedisWindowStore(redis, { prefix: budgetPrefix });
    const windows = [];
    for (const name of ['a', 'b', 'c', 'd', 'e']) windows.push(await windowWithTwoDuplicates(store, client, name));
    const flusher = createStatusFlusher({
      store,
      client,
      // A round every 25 ms may take 8/s × 25 ms, which rounds down to the minimum of one write.
      settings: () => flusherSettings({ maxWritesPerSecond: 8 }),
      now: () => Date.now(),
    });
    const patchesBefore = sandbox.requestCount({ method: 'PATCH' });
    // The five were opened one after the other, so they fall due a few milliseconds apart (more on a loaded
    // machine): the rounds start once all five are due, so each round has more to write than it may.
    await waitFor(async () => (await redis.zcount(`${budgetPrefix}:dedup:dirty`, '-inf', Date.now())) === 5, {
      timeoutMs: 10_000,
      description: 'the five counts to fall due',
    });
    const written = await flusher.flushOnce();
    expect(written).toBe(1);
    expect(sandbox.requestCount({ method: 'PATCH' }) - patchesBefore).toBe(1);
    for (let round = 0; round < 4; round++) expect(await flusher.flushOnce()).toBe(1);
    expect(windows.map((window) => window.occurrenceCount())).toEqual([3, 3, 3, 3, 3]);
    await deleteKeysWithPrefix(redis, budgetPrefix);
  });
});
