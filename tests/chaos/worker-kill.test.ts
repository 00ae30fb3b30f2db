import { createTestRedis, waitFor } from '@gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertmanagerWebhook, podFingerprint, podRrName, postWebhook } from '../support/alerts.js';
import { type GatewayFixture, startGatewayFixture } from '../support/gateway-fixture.js';
import { at, FAST_WORKER_ENV, rrNamesFor, waitForQuiet } from './support/chaos.js';

// A worker killed with SIGKILL mid-job: nothing accepted is lost, one RR per window, exact counts. The stalled job re-runs from BullMQ once its 5 s lock lapses.
const isCreate = (r: { method: string; path: string }): boolean =>
  r.method === 'POST' && r.path.endsWith('/remediationrequests');

describe('worker killed with SIGKILL', () => {
  let fx: GatewayFixture;

  beforeAll(async () => {
    fx = await startGatewayFixture({
      // One job at a time: the kill during 100 duplicates then surely lands mid-stream.
      stack: { env: { worker: { ...FAST_WORKER_ENV, GATEWAY_CFG__WORKER__CONCURRENCY: '1' } } },
    });
  }, 60_000);

  afterAll(async () => {
    fx?.sandbox.faults.clear();
    await fx?.close();
  });

  const post = async (body: unknown): Promise<void> => {
    const res = await postWebhook(fx.stack.ingressUrl, fx.stack.token, body);
    expect(res.status, await res.clone().text()).toBe(202);
  };

  it('creates exactly one RR with occurrenceCount 1 when the worker dies while its create call is in flight', async ({
    onTestFailed,
  }) => {
    onTestFailed(() => console.error(fx.stack.logs()));
    const alert = { alertname: 'KubePodCrashLooping', namespace: 'chaos', pod: 'kill-create-0' };
    const base = '2026-11-27T08:00:00.000Z';
    const fingerprint = podFingerprint(alert.alertname, alert.namespace, alert.pod);
    const name = podRrName(alert.alertname, alert.namespace, alert.pod);

    const createsBefore = fx.sandbox.requestCount(isCreate);
    fx.sandbox.faults.set({ latencyMs: 3000, match: isCreate });
    await post(alertmanagerWebhook([{ ...alert, startsAt: base }]));
    await waitFor(() => fx.sandbox.requestCount(isCreate) > createsBefore, {
      timeoutMs: 15_000,
      description: 'the create request to reach the sandbox',
    });
    expect(await fx.stack.kill('worker', 'SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    fx.sandbox.faults.clear();
    await fx.stack.restart('worker');

    await fx.waitForCount(name, 1, 30_000);
    await waitForQuiet(fx.stack.queuePrefix, 30_000, () => fx.stack.logs());
    expect(rrNamesFor(fx.rrs(), fingerprint)).toEqual([name]);
    expect(fx.occurrenceCount(name)).toBe(1);

    // The window survived the crash: 20 more occurrences are counted on the same RR, none twice.
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => post(alertmanagerWebhook([{ ...alert, startsAt: at(base, i + 1) }]))),
    );
    await fx.waitForCount(name, 21, 30_000);
    await waitForQuiet(fx.stack.queuePrefix, 30_000, () => fx.stack.logs());
    expect(fx.occurrenceCount(name)).toBe(21);
    expect(rrNamesFor(fx.rrs(), fingerprint)).toEqual([name]);
  });

  it('keeps the count exact when the worker dies while 100 duplicates are being processed', async ({
    onTestFailed,
  }) => {
    onTestFailed(() => console.error(fx.stack.logs()));
    const alert = { alertname: 'KubePodCrashLooping', namespace: 'chaos', pod: 'kill-dups-0' };
    const base = '2026-11-27T09:00:00.000Z';
    const fingerprint = podFingerprint(alert.alertname, alert.namespace, alert.pod);
    const name = podRrName(alert.alertname, alert.namespace, alert.pod);
    await post(alertmanagerWebhook([{ ...alert, startsAt: base }]));
    await fx.waitForCount(name, 1);

    const redis = createTestRedis();
    let countAfterKill: number;
    try {
      const windowKey = `${fx.stack.queuePrefix}:win:${fingerprint}`;
      const counted = async () => Number((await redis.hget(windowKey, 'count')) ?? 0);
      const posting = Promise.all(
        Array.from({ length: 100 }, (_, i) => post(alertmanagerWebhook([{ ...alert, startsAt: at(base, i + 1) }]))),
      );
      // Kill as soon as the worker has counted some of them: the rest are queued or in its hands.
      await waitFor(async () => (await counted()) >= 5, {
        timeoutMs: 20_000,
        description: 'the worker to start counting the duplicates',
      });
      await fx.stack.kill('worker', 'SIGKILL');
      await posting;
      // Read once the worker is dead and every duplicate accepted, so nothing can move it any more.
      countAfterKill = await counted();
    } finally {
      redis.disconnect();
    }
    // The kill landed mid-stream, otherwise this test proves nothing about crashes.
    expect(countAfterKill).toBeGreaterThanOrEqual(5);
    expect(countAfterKill).toBeLessThan(101);

    await fx.stack.restart('worker');
    await fx.waitForCount(name, 101, 40_000);
    await waitForQuiet(fx.stack.queuePrefix, 30_000, () => fx.stack.logs());
    expect(fx.occurrenceCount(name)).toBe(101);
    expect(rrNamesFor(fx.rrs(), fingerprint)).toEqual([name]);
  });

  it('counts every signal of a batch job once when the worker dies while deciding it', async ({ onTestFailed }) => {
    onTestFailed(() => console.error(fx.stack.logs()));
    // One delivery is one job: 20 occurrences of one pod and the first of 10 others.
    const base = '2026-11-27T10:00:00.000Z';
    const repeated = { alertname: 'KubePodCrashLooping', namespace: 'chaos', pod: 'kill-batch-repeated' };
    const singles = Array.from({ length: 10 }, (_, i) => ({
      alertname: 'KubePodCrashLooping',
      namespace: 'chaos',
      pod: `kill-batch-${i}`,
    }));
    const createsBefore = fx.sandbox.requestCount(isCreate);
    // Slow creates keep the batch in the worker's hands when the kill lands.
    fx.sandbox.faults.set({ latencyMs: 3000, match: isCreate });
    await post(
      alertmanagerWebhook([
        ...Array.from({ length: 20 }, (_, i) => ({ ...repeated, startsAt: at(base, i) })),
        ...singles.map((alert) => ({ ...alert, startsAt: base })),
      ]),
    );
    await waitFor(() => fx.sandbox.requestCount(isCreate) >= createsBefore + 2, {
      timeoutMs: 15_000,
      description: 'creates of the batch to reach the sandbox',
    });
    expect(await fx.stack.kill('worker', 'SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    fx.sandbox.faults.clear();
    await fx.stack.restart('worker');

    const repeatedName = podRrName(repeated.alertname, repeated.namespace, repeated.pod);
    await fx.waitForCount(repeatedName, 20, 40_000);
    for (const alert of singles)
      await fx.waitForCount(podRrName(alert.alertname, alert.namespace, alert.pod), 1, 30_000);
    await waitForQuiet(fx.stack.queuePrefix, 30_000, () => fx.stack.logs());
    expect(fx.occurrenceCount(repeatedName)).toBe(20);
    for (const alert of [repeated, ...singles]) {
      const name = podRrName(alert.alertname, alert.namespace, alert.pod);
      expect(rrNamesFor(fx.rrs(), podFingerprint(alert.alertname, alert.namespace, alert.pod))).toEqual([name]);
      if (alert !== repeated) expect(fx.occurrenceCount(name)).toBe(1);
    }
  });
});
