import { auditStreamKey } from '@gateway/audit';
import { problemType } from '@gateway/contracts';
import { createTestRedis, readFixtureText, waitFor } from '@gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestIngress } from '../testing/test-ingress.js';
import { bearer, createTestIngress, TEST_TOKENS } from '../testing/test-ingress.js';

const MAX_BACKLOG = 1_000;

const redis = createTestRedis();
let ingress: TestIngress;

beforeAll(() => {
  ingress = createTestIngress({
    config: { queue: { retryAfterSeconds: 7 }, audit: { maxBacklog: MAX_BACKLOG } },
  });
});
afterAll(async () => {
  await ingress.close();
  redis.disconnect();
});

function postAlert() {
  return ingress.app.request('/api/v1/signals/prometheus', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...bearer(TEST_TOKENS.signals) },
    body: readFixtureText('alertmanager_v4_resolved.json'),
  });
}

/** Grows or trims the audit stream to exactly `entries`, as shippers falling behind or catching up would. */
async function setAuditBacklog(entries: number): Promise<void> {
  const key = auditStreamKey(ingress.prefix);
  const missing = entries - (await redis.xlen(key));
  if (missing > 0) {
    const pipeline = redis.pipeline();
    for (let i = 0; i < missing; i++) pipeline.xadd(key, '*', 'event', '{}');
    await pipeline.exec();
  } else {
    await redis.xtrim(key, 'MAXLEN', entries);
  }
  expect(await redis.xlen(key)).toBe(entries);
}

describe('audit backpressure', () => {
  it('answers 503 queue-full from audit.maxBacklog entries until the backlog is back at 80 %', async () => {
    await setAuditBacklog(MAX_BACKLOG - 1);
    await ingress.sampler.sampleOnce();
    expect((await postAlert()).status).toBe(202);

    await setAuditBacklog(MAX_BACKLOG);
    await ingress.sampler.sampleOnce();
    const refused = await postAlert();
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('7');
    expect(await refused.json()).toMatchObject({
      type: problemType('queue-full'),
      detail: expect.stringContaining('audit.maxBacklog'),
    });
    expect(await ingress.metrics.registry.getSingleMetricAsString('gateway_backpressure_active')).toContain(
      'gateway_backpressure_active 1',
    );

    await setAuditBacklog(MAX_BACKLOG * 0.8 + 1);
    await ingress.sampler.sampleOnce();
    expect((await postAlert()).status).toBe(503);

    await setAuditBacklog(MAX_BACKLOG * 0.8);
    await ingress.sampler.sampleOnce();
    expect((await postAlert()).status).toBe(202);
    const rejected = await ingress.metrics.registry.getSingleMetricAsString('gateway_requests_rejected_total');
    expect(rejected).toContain('gateway_requests_rejected_total{source_type="prometheus",reason="queue_full"} 2');
  });

  it('also engages on the stream memory size, from the background sampling loop', async () => {
    const bytesLimited = createTestIngress({
      settings: { audit: { maxBacklog: MAX_BACKLOG, maxBacklogBytes: 4_096 } },
    });
    try {
      const key = auditStreamKey(bytesLimited.prefix);
      const pipeline = redis.pipeline();
      for (let i = 0; i < 20; i++) pipeline.xadd(key, '*', 'event', 'x'.repeat(1_024));
      await pipeline.exec();
      bytesLimited.sampler.start();
      await waitFor(() => bytesLimited.sampler.backpressure() === 'audit', {
        timeoutMs: 3_000,
        description: 'audit backpressure on',
      });
      await redis.del(key);
      await waitFor(() => bytesLimited.sampler.backpressure() === undefined, {
        timeoutMs: 3_000,
        description: 'audit backpressure off',
      });
    } finally {
      await bytesLimited.close();
    }
  });
});
