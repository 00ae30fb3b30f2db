import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { remediationRequestName } from '@gateway/contracts';
import {
  createTestRedis,
  deleteKeysWithPrefix,
  type KubeSandbox,
  sampleRemediationRequest,
  startKubeSandbox,
  uniquePrefix,
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
import type { KnownRemediation, RemediationIndex } from '../pipeline/ports.js';
import type { WindowStore } from '../pipeline/window-store.js';
import { createRedisReconcilerLock } from './redis-lock.js';
import { createWindowReconciler } from './window-reconciler.js';

const NS = 'kubernaut-system';
const fp = (n: number) => n.toString(16).padStart(64, 'a');

describe('window-reconciler', () => {
  let sandbox: KubeSandbox;
  let redis: Redis;
  let dir: string;
  let kubeConfig: KubeConfig;
  const prefixes: string[] = [];

  beforeAll(async () => {
    sandbox = await startKubeSandbox();
    dir = await mkdtemp(join(tmpdir(), 'reconciler-'));
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(sandbox.writeKubeconfig(join(dir, 'kubeconfig'), NS));
    redis = createTestRedis();
  });

  afterAll(async () => {
    for (const prefix of prefixes) await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  });

  function setup(cache: KnownRemediation[], jobsThatMayRun: string[] = []) {
    const prefix = uniquePrefix('reconcile');
    prefixes.push(prefix);
    const store = createRedisWindowStore(redis, { prefix });
    const index: RemediationIndex = {
      byFingerprint: (f) => cache.filter((rr) => rr.fingerprint === f),
      synced: () => true,
    };
    const client = createRemediationClient(kubeConfig, {
      policy: () => DEFAULT_RETRY_POLICY,
      breaker: createCircuitBreaker({ name: 'k8s-api', settings: () => DEFAULT_CIRCUIT_BREAKER_SETTINGS }),
    });
    let nowMs = 1_000_000;
    const reconciler = createWindowReconciler({
      store,
      index,
      client,
      jobMayRun: async (id) => jobsThatMayRun.includes(id),
      lock: createRedisReconcilerLock(redis, `${prefix}:reconcile:lock`, 'test'),
      settings: () => ({ intervalMs: 60_000, pendingClaimTimeoutMs: 600_000 }),
      now: () => nowMs,
    });
    return { store, reconciler, advance: (ms: number) => (nowMs += ms), now: () => nowMs };
  }

  async function openWindow(store: WindowStore, fingerprint: string, signalId: string, nowMs: number) {
    const claim = await store.admit({
      fingerprint,
      signalId,
      deliveryKeyHash: null,
      deliveryDedupTtlMs: 0,
      receivedAtMs: nowMs,
      namespace: NS,
      terminalRrNames: [],
      flushIntervalMs: 1000,
      nowMs,
    });
    expect(claim.decision).toBe('claimed');
    await store.markOpen(fingerprint, signalId, [], nowMs);
  }

  it('closes an open window whose RR the API no longer has, so the next signal opens seq 2', async () => {
    const { store, reconciler, advance, now } = setup([]);
    await openWindow(store, fp(1), 'sig-1', now());
    advance(5 * 60_000);
    expect(await reconciler.runOnce()).toEqual({ released: 0, closed: 1 });
    const next = await store.admit({
      fingerprint: fp(1),
      signalId: 'sig-2',
      deliveryKeyHash: null,
      deliveryDedupTtlMs: 0,
      receivedAtMs: now(),
      namespace: NS,
      terminalRrNames: [],
      flushIntervalMs: 1000,
      nowMs: now(),
    });
    expect(next).toMatchObject({ decision: 'claimed', seq: 2, rr: remediationRequestName(fp(1), 2) });
  });

  it('keeps an open window whose RR exists but has not reached the informer cache', async () => {
    const { store, reconciler, advance, now } = setup([]);
    const name = remediationRequestName(fp(2), 1);
    const rr = sampleRemediationRequest({ name, namespace: NS });
    (rr.spec as Record<string, unknown>).signalFingerprint = fp(2);
    const created = await fetch(`${sandbox.url}/apis/kubernaut.ai/v1alpha1/namespaces/${NS}/remediationrequests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(rr),
    });
    expect(created.status).toBe(201);
    await openWindow(store, fp(2), 'sig-3', now());
    advance(5 * 60_000);
    expect(await reconciler.runOnce()).toEqual({ released: 0, closed: 0 });
    expect(await store.openWindows()).toBe(1);
  });

  it('closes an open window whose cached RR is terminal', async () => {
    const name = remediationRequestName(fp(3), 1);
    const { store, reconciler, now } = setup([
      { name, namespace: NS, fingerprint: fp(3), phase: 'Completed', terminal: true, seq: 1 },
    ]);
    await openWindow(store, fp(3), 'sig-4', now());
    expect(await reconciler.runOnce()).toEqual({ released: 0, closed: 1 });
    expect(await store.openWindows()).toBe(0);
  });

  it('releases a pending window after the claim timeout only when its job can no longer run', async () => {
    const { store, reconciler, advance, now } = setup([], ['sig-alive']);
    for (const [n, id] of [
      [4, 'sig-dead'],
      [5, 'sig-alive'],
    ] as const) {
      const claim = await store.admit({
        fingerprint: fp(n),
        signalId: id,
        deliveryKeyHash: null,
        deliveryDedupTtlMs: 0,
        receivedAtMs: now(),
        namespace: NS,
        terminalRrNames: [],
        flushIntervalMs: 1000,
        nowMs: now(),
      });
      expect(claim.decision).toBe('claimed');
    }
    expect(await reconciler.runOnce()).toEqual({ released: 0, closed: 0 });
    advance(11 * 60_000);
    expect(await reconciler.runOnce()).toEqual({ released: 1, closed: 0 });
    const windows = [];
    for await (const w of store.listWindows()) windows.push(w.owner);
    expect(windows).toEqual(['sig-alive']);
  });
});
