import { problemType } from '@gateway/contracts';
import { readFixture, startTcpFaultProxy, testRedisUrl, waitFor } from '@gateway/testkit';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { producerRedisOptions } from '../redis/producer-redis-options.js';
import type { TestIngress, TestIngressOptions } from '../testing/test-ingress.js';
import { bearer, createTestIngress, TEST_TOKENS, waitingSignals } from '../testing/test-ingress.js';

/** Every delivery holds two alerts; the batch is written once it holds DELIVERIES of them, never on the clock. */
const DELIVERIES = 10;
const BATCH = { coalesceWindowMs: 60_000, maxSignalsPerJob: 2 * DELIVERIES };

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function start(options: TestIngressOptions): TestIngress {
  const ingress = createTestIngress({ config: { rateLimits: { enabled: false } }, signalQueue: BATCH, ...options });
  cleanups.push(() => ingress.close());
  return ingress;
}

/** Two firing alerts carrying `marker`, so the bytes of the job holding them can be recognised on the wire. */
async function post(ingress: TestIngress, marker: string): Promise<Response> {
  const payload = readFixture<{ alerts: { labels: Record<string, string> }[] }>('alertmanager_v4_firing_multi.json');
  for (const alert of payload.alerts) alert.labels.marker = marker;
  return ingress.app.request('/api/v1/signals/prometheus', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...bearer(TEST_TOKENS.signals) },
    body: JSON.stringify(payload),
  });
}

describe('signal queue coalescing', () => {
  it('writes the signals of concurrent deliveries as one job and answers each 202 once it is in Redis', async () => {
    const ingress = start({});
    const answers = await Promise.all(Array.from({ length: DELIVERIES }, (_, i) => post(ingress, `together-${i}`)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(DELIVERIES).fill(202));
    const queued = await waitingSignals(ingress.reader);
    expect(queued).toHaveLength(2 * DELIVERIES);
    const jobIds = new Set(queued.map(({ job }) => job.id));
    expect(jobIds.size).toBe(1);
    expect(await ingress.reader.getJobCounts('waiting')).toEqual({ waiting: 1 });
    // Every delivery's requestId is there, two signals each.
    const requestIds = await Promise.all(answers.map(async (answer) => (await answer.json()) as { requestId: string }));
    for (const { requestId } of requestIds) {
      expect(queued.filter(({ signal }) => signal.requestId === requestId)).toHaveLength(2);
    }
    await ingress.sampler.sampleOnce();
    const depth = await ingress.metrics.registry.getSingleMetricAsString('gateway_queue_depth');
    expect(depth).toContain(`gateway_queue_depth{state="waiting"} ${2 * DELIVERIES}`);
  });

  it('answers 503 to every delivery of a batch whose write the connection loss cut, and none of it lands', async () => {
    const redisUrl = new URL(testRedisUrl());
    const proxy = await startTcpFaultProxy({ host: redisUrl.hostname, port: Number(redisUrl.port || 6379) });
    const producer = new Redis(proxy.url, producerRedisOptions());
    producer.on('error', () => undefined);
    cleanups.push(
      () => proxy.close(),
      () => producer.disconnect(),
    );
    const ingress = start({ connection: producer });
    await waitFor(async () => producer.status === 'ready' && (await producer.ping()) === 'PONG', {
      timeoutMs: 15_000,
      description: 'the producer to connect through the proxy',
    });

    // Only the job's data carries the marker; a job this large crosses the proxy in several chunks, and Redis drops
    // the part of the command it received with the connection. The reconnect finds a Redis that accepts and never
    // answers, until after the ingress has answered.
    const cut = proxy.cutWhen((bytes) => bytes.includes('cut-batch')).then(() => proxy.setMode({ kind: 'stall' }));
    const answers = await Promise.all(Array.from({ length: DELIVERIES }, (_, i) => post(ingress, `cut-batch-${i}`)));
    await cut;
    expect(answers.map((answer) => answer.status)).toEqual(Array(DELIVERIES).fill(503));
    for (const answer of answers) {
      expect(answer.headers.get('retry-after')).toBe('10');
      expect(await answer.json()).toMatchObject({ type: problemType('service-unavailable'), status: 503 });
    }

    proxy.setMode({ kind: 'pass' });
    await waitFor(async () => producer.status === 'ready' && (await producer.ping()) === 'PONG', {
      timeoutMs: 15_000,
      description: 'the producer to reconnect through the proxy',
    });
    expect(await waitingSignals(ingress.reader)).toHaveLength(0);
  });
});
