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
import { createStatusFlusher } from './status-flusher.js';

const NS = 'kubernaut-system';
const FLUSH_INTERVAL_MS = 100;

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

  it('skips its rounds while suspended, keeping counts due, and writes them once resumed', async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(sandbox.kubeconfig(NS));
    const client = createRemediationClient(kubeConfig, {
      policy: () => DEFAULT_RETRY_POLICY,
      breaker: createCircuitBreaker({ name: 'k8s-api', settings: () => DEFAULT_CIRCUIT_BREAKER_SETTINGS }),
    });
    const store = createRedisWindowStore(redis, { prefix });
    const fingerprint = sha256Hex(`flusher:${prefix}`);
    const signal = sampleSignal(1, { signalId: `${prefix}-owner` });
    const rr = buildRemediationRequest({
      signal,
      fingerprint,
      seq: 1,
      namespace: NS,
      strategy: 'default',
      now: new Date(),
    });
    await client.create(rr);

    // A window whose RR got its initial write (count 1), then two duplicates: count 3 is due one interval later.
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
    await admit(`${prefix}-dup-1`, t0 + 1);
    await admit(`${prefix}-dup-2`, t0 + 2);

    let suspended = true;
    let roundsSkippedWhileDue = 0;
    const flusher = createStatusFlusher({
      store,
      client,
      settings: () => ({
        flushIntervalMs: FLUSH_INTERVAL_MS,
        flushConcurrency: 2,
        batchLimit: 500,
        retryDelayMs: FLUSH_INTERVAL_MS,
      }),
      now: () => Date.now(),
      suspended: () => {
        if (suspended && Date.now() > t0 + 2 * FLUSH_INTERVAL_MS) roundsSkippedWhileDue++;
        return suspended;
      },
    });
    const occurrenceCount = () =>
      (sandbox.object(NS, rr.metadata.name)?.status as { deduplication?: { occurrenceCount?: number } } | undefined)
        ?.deduplication?.occurrenceCount;
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
});
