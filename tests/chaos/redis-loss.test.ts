import { readFile } from 'node:fs/promises';
import { waitFor } from '@gateway/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { alertmanagerWebhook, podFingerprint, podRrName, postWebhook } from '../support/alerts.js';
import { type GatewayFixture, startGatewayFixture } from '../support/gateway-fixture.js';
import {
  at,
  deleteKeysMatching,
  FAST_WORKER_ENV,
  metricValue,
  type PrivateRedis,
  rrNamesFor,
  startPrivateRedis,
} from './support/chaos.js';

// Kubernetes is the truth and Redis only an index over it (docs/fingerprints-and-windows.md#losing-redis-state). When the dedup keys are lost, the next
// signal adopts the open RR (no second RR) and counting resumes from the count written on it.
interface AuditLine {
  event_id?: string;
  event_type: string;
  event_timestamp: string;
  event_data: { fingerprint?: string; occurrence_count?: number };
}

const DEDUP_KEY_PATTERNS = ['win:*', 'seq:*', 'applied:*', 'dlv:*', 'dedup:*', 'closed:*'];

describe('Redis loss', () => {
  const fixtures: GatewayFixture[] = [];
  const redisServers: PrivateRedis[] = [];

  afterAll(async () => {
    await Promise.allSettled(fixtures.map((fx) => fx.close()));
    await Promise.allSettled(redisServers.map((redis) => redis.kill()));
  });

  const post = async (fx: GatewayFixture, body: unknown): Promise<void> => {
    const res = await postWebhook(fx.stack.ingressUrl, fx.stack.token, body);
    expect(res.status, await res.clone().text()).toBe(202);
  };

  it('adopts the open RR and continues its count when the dedup keys under the prefix are deleted', async ({
    onTestFailed,
  }) => {
    const fx = await startGatewayFixture({ stack: { env: { worker: FAST_WORKER_ENV } } });
    fixtures.push(fx);
    onTestFailed(() => console.error(fx.stack.logs()));
    const alert = { alertname: 'KubePodCrashLooping', namespace: 'chaos', pod: 'lost-keys-0' };
    const base = '2026-11-27T08:00:00.000Z';
    const fingerprint = podFingerprint(alert.alertname, alert.namespace, alert.pod);
    const name = podRrName(alert.alertname, alert.namespace, alert.pod);
    for (let i = 0; i < 4; i += 1) await post(fx, alertmanagerWebhook([{ ...alert, startsAt: at(base, i) }]));
    await fx.waitForCount(name, 4);
    expect(await metricValue(fx.stack.workerUrl, 'gateway_dedup_windows_rebuilt_total')).toBe(0);

    const deleted = await deleteKeysMatching(fx.stack.queuePrefix, DEDUP_KEY_PATTERNS);
    expect(deleted).toBeGreaterThan(0);

    await post(fx, alertmanagerWebhook([{ ...alert, startsAt: at(base, 10) }]));
    await fx.waitForCount(name, 5, 20_000);
    expect(rrNamesFor(fx.rrs(), fingerprint)).toEqual([name]);
    expect(await metricValue(fx.stack.workerUrl, 'gateway_dedup_windows_rebuilt_total')).toBeGreaterThanOrEqual(1);

    // The rebuilt window counts like any other.
    await post(fx, alertmanagerWebhook([{ ...alert, startsAt: at(base, 11) }]));
    await fx.waitForCount(name, 6, 20_000);
    expect(rrNamesFor(fx.rrs(), fingerprint)).toEqual([name]);
  });

  // Rate limits run before the enqueue and need Redis too: with them on the 503 is the rate limiter's, or addBulk's
  // while a lease the limiter took before the loss still admits locally (at most a second); with them off it is
  // addBulk's. Both must refuse, never acknowledge.
  it.for([
    { rateLimits: true, detail: /^(Rate limiter|Signal queue) is unavailable/, pod: 'dead-redis-0' },
    { rateLimits: false, detail: /^Signal queue is unavailable/, pod: 'dead-redis-1' },
  ])(
    'answers 503 with Retry-After while its Redis is dead and adopts the open RR after Redis restarts empty (rate limits enabled: $rateLimits)',
    async ({ rateLimits, detail, pod }, { onTestFailed }) => {
      const redis = await startPrivateRedis();
      redisServers.push(redis);
      const fx = await startGatewayFixture({
        stack: {
          redisUrl: redis.url,
          env: { worker: FAST_WORKER_ENV, ingress: { GATEWAY_CFG__RATE_LIMITS__ENABLED: String(rateLimits) } },
        },
      });
      fixtures.push(fx);
      onTestFailed(() => console.error(`${fx.stack.logs()}\n--- redis-server ---\n${redis.output()}`));
      const alert = { alertname: 'KubePodCrashLooping', namespace: 'chaos', pod };
      const base = '2026-11-27T09:00:00.000Z';
      const fingerprint = podFingerprint(alert.alertname, alert.namespace, alert.pod);
      const name = podRrName(alert.alertname, alert.namespace, alert.pod);
      await post(fx, alertmanagerWebhook([{ ...alert, startsAt: base }]));
      await post(fx, alertmanagerWebhook([{ ...alert, startsAt: at(base, 1) }]));
      await fx.waitForCount(name, 2);

      await redis.kill();
      // Nothing can be stored: every POST must be refused with a retry hint, never acknowledged.
      const statuses: number[] = [];
      for (let i = 0; i < 10; i += 1) {
        // A raw POST, never retried: the answer itself is under test.
        const res = await fetch(`${fx.stack.ingressUrl}/api/v1/signals/prometheus`, {
          method: 'POST',
          headers: { authorization: `Bearer ${fx.stack.token}`, 'content-type': 'application/json' },
          body: JSON.stringify(alertmanagerWebhook([{ ...alert, startsAt: at(base, 100 + i) }])),
          signal: AbortSignal.timeout(15_000),
        });
        const body = await res.text();
        statuses.push(res.status);
        expect(res.status, body).toBe(503);
        expect(res.headers.get('retry-after'), body).toMatch(/^\d+$/);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect((JSON.parse(body) as { detail: string }).detail).toMatch(detail);
      }
      expect(statuses).toEqual(Array(10).fill(503));

      await redis.start();
      const restartedAt = Date.now();
      await waitFor(async () => (await fetch(`${fx.stack.ingressUrl}/readyz`)).status === 200, {
        timeoutMs: 20_000,
        description: 'the ingress to be ready again',
      });
      await waitFor(async () => (await fetch(`${fx.stack.workerUrl}/readyz`)).status === 200, {
        timeoutMs: 20_000,
        description: 'the worker to be ready again',
      });
      // Everything in Redis is gone; the next occurrences for the open window adopt its RR.
      await post(fx, alertmanagerWebhook([{ ...alert, startsAt: at(base, 200) }]));
      await post(fx, alertmanagerWebhook([{ ...alert, startsAt: at(base, 201) }]));
      await fx.waitForCount(name, 4, 30_000);
      expect(rrNamesFor(fx.rrs(), fingerprint)).toEqual([name]);
      expect(await metricValue(fx.stack.workerUrl, 'gateway_dedup_windows_rebuilt_total')).toBeGreaterThanOrEqual(1);

      // The audit stream and its consumer group were lost with Redis too (what was not yet shipped is gone: no
      // persistence here). Decisions after the restart are audited again: two deduplicated events, the last
      // carrying the continued count. (Which of the two adopts depends on job order, so only the last count is fixed.)
      const auditFile = fx.stack.auditFilePath ?? '';
      await waitFor(
        async () => {
          const events = (await readFile(auditFile, 'utf8').catch(() => ''))
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as AuditLine)
            .filter((e) => e.event_data.fingerprint === fingerprint && Date.parse(e.event_timestamp) >= restartedAt);
          expect(events.map((e) => e.event_type)).toEqual([
            'gateway.signal.deduplicated',
            'gateway.signal.deduplicated',
          ]);
          expect(Math.max(...events.map((e) => e.event_data.occurrence_count ?? 0))).toBe(4);
          expect(new Set(events.map((e) => e.event_id)).size).toBe(2);
          return true;
        },
        { timeoutMs: 20_000, intervalMs: 200, description: 'the post-restart decisions in the audit file' },
      );
    },
  );
});
