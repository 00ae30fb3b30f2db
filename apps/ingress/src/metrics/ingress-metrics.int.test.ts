import { builtinSources, defineSource } from '@gateway/sources';
import { readFixtureText, readMetric, waitFor } from '@gateway/testkit';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestIngress, TestIngressOptions } from '../testing/test-ingress.js';
import {
  bearer,
  clusteredSource,
  createTestIngress,
  TEST_CONFIG,
  TEST_TOKENS,
  waitingSignals,
} from '../testing/test-ingress.js';
import { createIngressMetrics } from './ingress-metrics.js';

// Every metric the ingress declares is moved by one of these scenarios, through real requests, and read back
// from GET /metrics. A metric without a scenario fails the first test: declare a metric with its feature and
// add its row here in the same change.
const SCENARIO = {
  accepted:
    'counts accepted signals, their enqueue, the request duration, the queue depth in signals and jobs and the age of the oldest waiting job',
  refused: 'counts each refused request by its reason',
  rateLimited: 'counts rate-limited requests',
  backpressure: 'raises backpressure and counts queue-full refusals at the high-water mark',
  items: 'counts ignored, rejected and target-less items and alerts Alertmanager truncated',
  inFlight: 'holds a request in flight until its body has arrived',
  sourceFaults: 'counts adapters that throw and plugins over their parse budget',
  clusters: 'counts payloads naming another cluster than the token binding',
  settings: 'reports whether signal endpoints need credentials',
} as const;

const METRIC_SCENARIOS: Readonly<Record<string, keyof typeof SCENARIO>> = {
  gateway_signals_received_total: 'accepted',
  gateway_enqueue_duration_seconds: 'accepted',
  gateway_http_request_duration_seconds: 'accepted',
  gateway_queue_depth: 'accepted',
  gateway_queue_jobs: 'accepted',
  gateway_queue_oldest_waiting_age_seconds: 'accepted',
  gateway_requests_rejected_total: 'refused',
  gateway_backpressure_active: 'backpressure',
  gateway_signals_ignored_total: 'items',
  gateway_signals_rejected_total: 'items',
  gateway_signals_unresolved_target_total: 'items',
  gateway_alertmanager_truncated_alerts_total: 'items',
  gateway_http_requests_in_flight: 'inFlight',
  gateway_source_errors_total: 'sourceFaults',
  gateway_source_parse_slow_total: 'sourceFaults',
  gateway_cluster_id_conflicts_total: 'clusters',
  gateway_auth_disabled: 'settings',
};

const PROMETHEUS = '/api/v1/signals/prometheus';
/** Two firing alerts without a target label. */
const TWO_ALERTS = readFixtureText('alertmanager_v4_firing_multi.json');

const opened: TestIngress[] = [];
function start(options: TestIngressOptions = {}): TestIngress {
  const ingress = createTestIngress(options);
  opened.push(ingress);
  return ingress;
}
afterAll(async () => {
  await Promise.all(opened.map((ingress) => ingress.close()));
});

async function scrape(ingress: TestIngress): Promise<string> {
  const response = await ingress.app.request('/metrics');
  expect(response.status).toBe(200);
  return response.text();
}

/** How much `name` (summed over the series with `labels`) moved while `act` ran. */
async function moved(
  ingress: TestIngress,
  name: string,
  labels: Record<string, string>,
  act: () => Promise<unknown>,
): Promise<number> {
  const before = readMetric(await scrape(ingress), name, labels);
  await act();
  return readMetric(await scrape(ingress), name, labels) - before;
}

async function post(
  ingress: TestIngress,
  path: string,
  body: string | ReadableStream<Uint8Array>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return ingress.app.request(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...bearer(TEST_TOKENS.signals), ...headers },
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
}

async function expectStatus(response: Promise<Response>, status: number): Promise<void> {
  const answered = await response;
  expect(answered.status, await answered.text()).toBe(status);
}

const prometheus = { source_type: 'prometheus' };

describe('ingress metrics', () => {
  let ingress: TestIngress;
  beforeAll(() => {
    ingress = start();
  });

  it('has a scenario for every metric the ingress declares, and declares every metric it has a scenario for', async () => {
    const declared = (await createIngressMetrics(new Registry()).registry.getMetricsAsJSON()).map((m) => m.name);
    expect(declared.sort()).toEqual(Object.keys(METRIC_SCENARIOS).sort());
    for (const name of declared) expect(await scrape(ingress)).toContain(`# TYPE ${name} `);
  });

  it(SCENARIO.accepted, async () => {
    const before = await scrape(ingress);
    await ingress.sampler.sampleOnce();
    const sampled = await scrape(ingress);
    const depthBefore = readMetric(sampled, 'gateway_queue_depth', { state: 'waiting' });
    const jobsBefore = readMetric(sampled, 'gateway_queue_jobs', { state: 'waiting' });
    await expectStatus(post(ingress, PROMETHEUS, TWO_ALERTS), 202);
    await ingress.sampler.sampleOnce();
    const after = await scrape(ingress);
    const delta = (name: string, labels: Record<string, string> = {}) =>
      readMetric(after, name, labels) - readMetric(before, name, labels);
    expect(delta('gateway_signals_received_total', { ...prometheus, severity: 'critical' })).toBe(2);
    expect(delta('gateway_enqueue_duration_seconds_count')).toBe(1);
    expect(delta('gateway_http_request_duration_seconds_count', { method: 'POST', status: '202' })).toBe(1);
    expect(readMetric(after, 'gateway_queue_depth', { state: 'waiting' }) - depthBefore).toBe(2);
    // Both alerts of the delivery are in one job.
    expect(readMetric(after, 'gateway_queue_jobs', { state: 'waiting' }) - jobsBefore).toBe(1);
    // No worker takes the job, so its age grows with every sample.
    await waitFor(
      async () => {
        await ingress.sampler.sampleOnce();
        return readMetric(await scrape(ingress), 'gateway_queue_oldest_waiting_age_seconds') > 0;
      },
      { timeoutMs: 5_000, description: 'the waiting job to age' },
    );
  });

  it(SCENARIO.refused, async () => {
    const refusals: [string, () => Promise<Response>, number][] = [
      ['unauthorized', () => post(ingress, PROMETHEUS, TWO_ALERTS, { Authorization: 'Bearer wrong' }), 401],
      ['forbidden', () => post(ingress, PROMETHEUS, TWO_ALERTS, bearer(TEST_TOKENS.kubernetesOnly)), 403],
      ['media_type', () => post(ingress, PROMETHEUS, TWO_ALERTS, { 'Content-Type': 'text/plain' }), 415],
      ['malformed', () => post(ingress, PROMETHEUS, '{"alerts": ['), 400],
      ['too_large', () => post(ingress, PROMETHEUS, 'x'.repeat(ingress.settings.server.bodyLimitBytes + 1)), 413],
    ];
    for (const [reason, send, status] of refusals) {
      const delta = await moved(ingress, 'gateway_requests_rejected_total', { ...prometheus, reason }, () =>
        expectStatus(send(), status),
      );
      expect(delta, reason).toBe(1);
    }
  });

  it(SCENARIO.rateLimited, async () => {
    const limited = start({ config: { rateLimits: { perToken: { ratePerSecond: 0.5, burst: 2 } } } });
    await expectStatus(post(limited, PROMETHEUS, TWO_ALERTS), 202);
    const delta = await moved(
      limited,
      'gateway_requests_rejected_total',
      { ...prometheus, reason: 'rate_limited' },
      () => expectStatus(post(limited, PROMETHEUS, TWO_ALERTS), 503),
    );
    expect(delta).toBe(1);
  });

  it(SCENARIO.backpressure, async () => {
    const small = start({ settings: { queue: { highWaterMark: 2, lowWaterMark: 1, retryAfterSeconds: 5 } } });
    await small.sampler.sampleOnce();
    expect(readMetric(await scrape(small), 'gateway_backpressure_active')).toBe(0);
    await expectStatus(post(small, PROMETHEUS, TWO_ALERTS), 202);
    await small.sampler.sampleOnce();
    expect(readMetric(await scrape(small), 'gateway_backpressure_active')).toBe(1);
    const delta = await moved(small, 'gateway_requests_rejected_total', { ...prometheus, reason: 'queue_full' }, () =>
      expectStatus(post(small, PROMETHEUS, TWO_ALERTS), 503),
    );
    expect(delta).toBe(1);
  });

  it(SCENARIO.items, async () => {
    const webhook = JSON.parse(TWO_ALERTS) as {
      alerts: { labels: Record<string, unknown> }[];
      truncatedAlerts: number;
    };
    webhook.truncatedAlerts = 3;
    webhook.alerts.push({ ...webhook.alerts[0], labels: { pod: 7 } });
    const before = await scrape(ingress);
    await expectStatus(post(ingress, PROMETHEUS, JSON.stringify(webhook)), 202);
    await expectStatus(post(ingress, '/api/v1/signals/ignores-all', '{}'), 202);
    const after = await scrape(ingress);
    const delta = (name: string, labels: Record<string, string> = {}) =>
      readMetric(after, name, labels) - readMetric(before, name, labels);
    // The third alert has a label that is not a string; the first two name no target resource.
    expect(delta('gateway_signals_rejected_total', { ...prometheus, reason: 'invalid' })).toBe(1);
    expect(delta('gateway_signals_unresolved_target_total', prometheus)).toBe(2);
    expect(delta('gateway_alertmanager_truncated_alerts_total')).toBe(3);
    expect(delta('gateway_signals_ignored_total', { source_type: 'test-ignore', reason: 'test_notification' })).toBe(1);
  });

  it(SCENARIO.inFlight, async () => {
    expect(readMetric(await scrape(ingress), 'gateway_http_requests_in_flight')).toBe(0);
    let finish: (chunk: string) => void = () => undefined;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        finish = (chunk) => {
          controller.enqueue(new TextEncoder().encode(chunk));
          controller.close();
        };
      },
    });
    const pending = post(ingress, PROMETHEUS, body);
    // The request holds its slot while it waits for the rest of its body.
    await waitFor(async () => readMetric(await scrape(ingress), 'gateway_http_requests_in_flight') === 1, {
      timeoutMs: 10_000,
      description: 'the request to hold its in-flight slot',
    });
    finish(TWO_ALERTS);
    await expectStatus(pending, 202);
    expect(readMetric(await scrape(ingress), 'gateway_http_requests_in_flight')).toBe(0);
  });

  it(SCENARIO.sourceFaults, async () => {
    const thrown = await moved(ingress, 'gateway_source_errors_total', { source_type: 'test-throw' }, () =>
      expectStatus(post(ingress, '/api/v1/signals/throws', '{}'), 500),
    );
    expect(thrown).toBe(1);

    const slowPlugin = defineSource({
      apiVersion: 1,
      type: 'slow',
      signalSource: 'slow',
      parse: async () => {
        // Busy, not sleeping: the budget measures the parse call's own time.
        const until = performance.now() + 120;
        while (performance.now() < until);
        return { signals: [], ignored: [{ index: 0, reason: 'test' }], rejected: [] };
      },
    });
    const withPlugin = start({
      definitions: { ...builtinSources, slow: slowPlugin },
      config: { sources: { lagging: { type: 'plugin', plugin: 'slow', enabled: true } } },
    });
    const slow = await moved(withPlugin, 'gateway_source_parse_slow_total', { source_type: 'slow' }, () =>
      expectStatus(post(withPlugin, '/api/v1/signals/lagging', '{}'), 202),
    );
    expect(slow).toBe(1);
  });

  it(SCENARIO.clusters, async () => {
    const boundToken = 'bound-token-0123456789abcdef0123456789ab';
    const clustered = start({
      extraSources: [clusteredSource(['prod-east', 'hub'])],
      config: {
        multiCluster: { enabled: true, defaultClusterId: 'hub' },
        auth: { tokens: [...TEST_CONFIG.auth.tokens, { id: 'bound', token: boundToken, clusterId: 'bound-1' }] },
      },
    });
    const delta = await moved(clustered, 'gateway_cluster_id_conflicts_total', { source_type: 'clustered' }, () =>
      expectStatus(post(clustered, '/api/v1/signals/clustered', '{}', bearer(boundToken)), 202),
    );
    expect(delta).toBe(2);
    const queued = await waitingSignals(clustered.reader);
    expect(queued.map(({ signal }) => signal.clusterId)).toEqual(['bound-1', 'bound-1']);
  });

  it(SCENARIO.settings, async () => {
    const text = await scrape(ingress);
    expect(readMetric(text, 'gateway_auth_disabled')).toBe(0);
    const open = start({ config: { auth: { ...TEST_CONFIG.auth, mode: 'none' } } });
    expect(readMetric(await scrape(open), 'gateway_auth_disabled')).toBe(1);
  });
});
