import { PROBLEM_CONTENT_TYPE, problemType } from '@gateway/contracts';
import { readFixtureText } from '@gateway/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import type { TestIngress, TestIngressOptions } from '../testing/test-ingress.js';
import { bearer, createTestIngress, TEST_CONFIG, TEST_TOKENS, waitingSignals } from '../testing/test-ingress.js';

const PROMETHEUS = '/api/v1/signals/prometheus';
const KUBE = '/api/v1/signals/kubernetes-event';
/** Two firing alerts: costs 2. */
const TWO_ALERTS = readFixtureText('alertmanager_v4_firing_multi.json');
/** One Warning event: costs 1. */
const ONE_EVENT = readFixtureText('k8s_core_v1_event_warning_backoff_watch.json');
/** A Normal event: ignored, costs nothing. */
const IGNORED_EVENT = readFixtureText('k8s_core_v1_event_normal_pulled_watch.json');
const LIMITED_TOKEN = 'limited-token-0123456789abcdef0123456789';

const opened: TestIngress[] = [];
afterEach(async () => {
  for (const ingress of opened.splice(0)) await ingress.close();
});

function start(options: TestIngressOptions): TestIngress {
  const ingress = createTestIngress(options);
  opened.push(ingress);
  return ingress;
}

function post(ingress: TestIngress, path: string, body: string, headers: Record<string, string>, peer?: string) {
  return ingress.app.request(
    path,
    { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body },
    peer === undefined ? undefined : { incoming: { socket: { remoteAddress: peer } } },
  );
}

/**
 * The wait shrinks as the bucket refills: `retryAfterSeconds` is the wait right after `bucketDrainedAtMs`, and the
 * answer may be lower by the seconds that have passed since. Rates are slow (the schema's minimum 0.1/s) so that
 * a loaded machine never refills a bucket between two requests.
 */
async function expectRateLimited(
  response: Response,
  status: number,
  retryAfterSeconds: number,
  bucketDrainedAtMs: number,
) {
  const elapsedSeconds = (performance.now() - bucketDrainedAtMs) / 1000;
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(retryAfter).toBeLessThanOrEqual(retryAfterSeconds);
  expect(retryAfter).toBeGreaterThanOrEqual(Math.max(1, Math.ceil(retryAfterSeconds - elapsedSeconds)));
  expect(await response.json()).toMatchObject({ type: problemType('rate-limited'), status });
}

describe('rate limits', () => {
  it('limits each token by its own bucket and answers 503 with the wait until enough tokens for prometheus', async () => {
    const ingress = start({
      config: {
        auth: {
          tokens: [
            ...TEST_CONFIG.auth.tokens,
            { id: 'limited', token: LIMITED_TOKEN, rateLimit: { ratePerSecond: 0.1, burst: 3 } },
          ],
        },
      },
    });
    const drainedAt = performance.now();
    expect((await post(ingress, PROMETHEUS, TWO_ALERTS, bearer(LIMITED_TOKEN))).status).toBe(202);
    // One token left, two needed at 0.1/s: 1 ÷ 0.1 = 10 s.
    await expectRateLimited(await post(ingress, PROMETHEUS, TWO_ALERTS, bearer(LIMITED_TOKEN)), 503, 10, drainedAt);
    expect(await waitingSignals(ingress.reader)).toHaveLength(2);
    // Another principal has its own bucket under the default perToken limit.
    expect((await post(ingress, PROMETHEUS, TWO_ALERTS, bearer(TEST_TOKENS.signals))).status).toBe(202);
    const rejected = await ingress.metrics.registry.getSingleMetricAsString('gateway_requests_rejected_total');
    expect(rejected).toContain('gateway_requests_rejected_total{source_type="prometheus",reason="rate_limited"} 1');
  });

  it('limits a source across principals and answers 429 for kubernetes-event', async () => {
    const ingress = start({
      config: { sources: { 'kubernetes-event': { rateLimit: { ratePerSecond: 0.1, burst: 1 } } } },
    });
    const drainedAt = performance.now();
    expect((await post(ingress, KUBE, ONE_EVENT, bearer(TEST_TOKENS.signals))).status).toBe(202);
    await expectRateLimited(
      await post(ingress, KUBE, ONE_EVENT, bearer(TEST_TOKENS.kubernetesOnly)),
      429,
      10,
      drainedAt,
    );
    // The other source's bucket is untouched.
    expect((await post(ingress, PROMETHEUS, TWO_ALERTS, bearer(TEST_TOKENS.signals))).status).toBe(202);
  });

  it('charges the number of signals, at most the burst, and nothing for ignored items', async () => {
    const ingress = start({ config: { rateLimits: { perToken: { ratePerSecond: 0.1, burst: 1 } } } });
    for (let i = 0; i < 3; i++) {
      expect((await post(ingress, KUBE, IGNORED_EVENT, bearer(TEST_TOKENS.signals))).status).toBe(202);
    }
    // Two signals against a burst of one still pass once (cost capped at the burst), then the bucket is empty.
    const drainedAt = performance.now();
    expect((await post(ingress, PROMETHEUS, TWO_ALERTS, bearer(TEST_TOKENS.signals))).status).toBe(202);
    await expectRateLimited(
      await post(ingress, PROMETHEUS, TWO_ALERTS, bearer(TEST_TOKENS.signals)),
      503,
      10,
      drainedAt,
    );
  });

  it('keys anonymous senders by client IP', async () => {
    const ingress = start({
      config: {
        auth: { ...TEST_CONFIG.auth, mode: 'none' },
        rateLimits: { perToken: { ratePerSecond: 0.1, burst: 2 } },
      },
    });
    const drainedAt = performance.now();
    expect((await post(ingress, PROMETHEUS, TWO_ALERTS, {}, '10.0.0.1')).status).toBe(202);
    await expectRateLimited(await post(ingress, PROMETHEUS, TWO_ALERTS, {}, '10.0.0.1'), 503, 20, drainedAt);
    expect((await post(ingress, PROMETHEUS, TWO_ALERTS, {}, '10.0.0.2')).status).toBe(202);
  });

  it('does not limit at all when rateLimits.enabled is false', async () => {
    const ingress = start({
      config: { rateLimits: { enabled: false, perSource: { ratePerSecond: 0.1, burst: 1 } } },
    });
    for (let i = 0; i < 3; i++) {
      expect((await post(ingress, PROMETHEUS, TWO_ALERTS, bearer(TEST_TOKENS.signals))).status).toBe(202);
    }
    expect(await waitingSignals(ingress.reader)).toHaveLength(6);
  });
});
