import { SIGNAL_QUEUE_NAME } from '@gateway/contracts';
import { createTestRedis, readFixtureText, readMetric, waitFor } from '@gateway/testkit';
import { Worker } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { bearer, createTestIngress, TEST_TOKENS } from '../testing/test-ingress.js';

const AGE = 'gateway_queue_oldest_waiting_age_seconds';
const TWO_ALERTS = readFixtureText('alertmanager_v4_firing_multi.json');

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('queue-depth oldest waiting age', () => {
  it('rises while jobs wait with no worker and falls back to 0 once they are consumed', async () => {
    const ingress = createTestIngress({ config: { rateLimits: { enabled: false } } });
    cleanups.push(() => ingress.close());
    const age = async (): Promise<number> => {
      await ingress.sampler.sampleOnce();
      return readMetric(await ingress.metrics.registry.metrics(), AGE);
    };
    const post = () =>
      ingress.app.request('/api/v1/signals/prometheus', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...bearer(TEST_TOKENS.signals) },
        body: TWO_ALERTS,
      });

    expect(await age()).toBe(0);
    const postedAt = Date.now();
    expect((await post()).status).toBe(202);
    await waitFor(async () => (await ingress.reader.getJobCounts('waiting')).waiting === 1, {
      timeoutMs: 10_000,
      description: 'the job to wait',
    });
    const first = await age();
    expect(first).toBeGreaterThanOrEqual(0);
    await new Promise((resolve) => setTimeout(resolve, 400));
    // A younger job behind it does not change which one is the oldest.
    expect((await post()).status).toBe(202);
    const second = await age();
    expect(second).toBeGreaterThanOrEqual(first + 0.3);
    expect(second).toBeLessThanOrEqual((Date.now() - postedAt) / 1000);

    const connection = createTestRedis();
    const worker = new Worker(SIGNAL_QUEUE_NAME, async () => undefined, { connection, prefix: ingress.prefix });
    cleanups.push(async () => {
      await worker.close();
      connection.disconnect();
    });
    await waitFor(async () => (await age()) === 0, { timeoutMs: 10_000, description: 'the waiting jobs consumed' });
    expect(await ingress.reader.getJobCounts('waiting')).toEqual({ waiting: 0 });
  });
});
