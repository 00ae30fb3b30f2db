import { PROBLEM_CONTENT_TYPE, problemType } from '@gateway/contracts';
import { readFixtureText, waitFor } from '@gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestIngress } from '../testing/test-ingress.js';
import { bearer, createTestIngress, TEST_TOKENS } from '../testing/test-ingress.js';

const HIGH_WATER_MARK = 5;
const LOW_WATER_MARK = 2;

let ingress: TestIngress;

beforeAll(() => {
  ingress = createTestIngress({
    settings: { queue: { highWaterMark: HIGH_WATER_MARK, lowWaterMark: LOW_WATER_MARK, retryAfterSeconds: 7 } },
  });
});
afterAll(async () => {
  await ingress.close();
});

function postAlert() {
  return ingress.app.request('/api/v1/signals/prometheus', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...bearer(TEST_TOKENS.signals) },
    body: readFixtureText('alertmanager_v4_resolved.json'),
  });
}

async function setDepth(depth: number): Promise<void> {
  const waiting = await ingress.reader.getJobs(['waiting']);
  for (const job of waiting.slice(depth)) await job.remove();
  const missing = depth - Math.min(depth, waiting.length);
  if (missing > 0) {
    await ingress.reader.addBulk(Array.from({ length: missing }, (_, i) => ({ name: 'filler', data: { i } })));
  }
}

describe('queue backpressure', () => {
  it('answers 503 queue-full with Retry-After at the high-water mark and recovers only at the low-water mark', async () => {
    await setDepth(HIGH_WATER_MARK);
    await ingress.sampler.sampleOnce();
    const refused = await postAlert();
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
    expect(refused.headers.get('retry-after')).toBe('7');
    expect(await refused.json()).toMatchObject({ type: problemType('queue-full'), status: 503 });
    expect(await ingress.reader.count()).toBe(HIGH_WATER_MARK);
    expect(await ingress.metrics.registry.getSingleMetricAsString('gateway_backpressure_active')).toContain(
      'gateway_backpressure_active 1',
    );

    // Between the marks the gate stays closed (hysteresis).
    await setDepth(LOW_WATER_MARK + 1);
    await ingress.sampler.sampleOnce();
    expect((await postAlert()).status).toBe(503);

    await setDepth(LOW_WATER_MARK);
    await ingress.sampler.sampleOnce();
    expect((await postAlert()).status).toBe(202);
    const rejected = await ingress.metrics.registry.getSingleMetricAsString('gateway_requests_rejected_total');
    expect(rejected).toContain('gateway_requests_rejected_total{source_type="prometheus",reason="queue_full"} 2');
  });

  it('opens and closes the gate from the background sampling loop', async () => {
    await setDepth(HIGH_WATER_MARK + 3);
    ingress.sampler.start();
    try {
      await waitFor(() => ingress.sampler.backpressure() === 'queue', {
        timeoutMs: 3_000,
        description: 'backpressure on',
      });
      expect((await postAlert()).status).toBe(503);
      await setDepth(0);
      await waitFor(() => ingress.sampler.backpressure() === undefined, {
        timeoutMs: 3_000,
        description: 'backpressure off',
      });
      expect((await postAlert()).status).toBe(202);
    } finally {
      await ingress.sampler.stop();
    }
    const depth = await ingress.metrics.registry.getSingleMetricAsString('gateway_queue_depth');
    expect(depth).toContain('gateway_queue_depth{state="delayed"} 0');
  });
});
