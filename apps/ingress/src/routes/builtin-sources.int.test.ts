import { createHmac } from 'node:crypto';
import { PROBLEM_CONTENT_TYPE, problemType } from '@gateway/contracts';
import { readFixtureText } from '@gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestIngress } from '../testing/test-ingress.js';
import { bearer, createTestIngress, TEST_TOKENS, waitingSignals } from '../testing/test-ingress.js';

// Azure Monitor, Datadog and Grafana enabled by configuration and served through the whole ingress route.
const GRAFANA_SECRET = 'grafana-contact-point-secret';
const SIGNATURE = 'X-Grafana-Alerting-Signature';
const TIMESTAMP = 'X-Grafana-Alerting-Timestamp';

let ingress: TestIngress;

beforeAll(() => {
  ingress = createTestIngress({
    config: {
      sources: {
        'azure-monitor': { enabled: true },
        datadog: { enabled: true },
        grafana: { enabled: true, hmac: { secret: GRAFANA_SECRET, timestampHeader: TIMESTAMP } },
      },
    },
  });
});
afterAll(async () => {
  await ingress.close();
});

function post(path: string, body: string, headers: Record<string, string> = bearer(TEST_TOKENS.signals)) {
  return ingress.app.request(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body,
  });
}

async function expectProblem(response: Response, status: number, slug: Parameters<typeof problemType>[0]) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
  const body = (await response.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ type: problemType(slug), status });
  return body;
}

async function acceptedSignals(response: Response) {
  expect(response.status).toBe(202);
  const { requestId } = (await response.json()) as { requestId: string };
  const queued = await waitingSignals(ingress.reader);
  return queued.map(({ signal }) => signal).filter((signal) => signal.requestId === requestId);
}

function grafanaHeaders(body: string, seconds: number, secret = GRAFANA_SECRET): Record<string, string> {
  return {
    ...bearer(TEST_TOKENS.signals),
    [TIMESTAMP]: String(seconds),
    [SIGNATURE]: createHmac('sha256', secret).update(`${seconds}:${body}`).digest('hex'),
  };
}

describe('azure-monitor route', () => {
  it('takes the token from the query string, since action groups cannot send headers', async () => {
    const fixture = readFixtureText('azure_common_metric_alert_fired.json');
    const [signal] = await acceptedSignals(
      await post(`/api/v1/signals/azure-monitor?token=${TEST_TOKENS.signals}`, fixture, {}),
    );
    expect(signal).toMatchObject({
      signalSource: 'azure-monitor',
      signalName: 'test-metricAlertRule',
      severity: 'Sev3',
      target: { type: 'azure', kind: 'microsoft.storage/storageaccounts', name: 'test-storageaccount' },
      principal: { type: 'token', id: 'env-1' },
    });
    await expectProblem(await post('/api/v1/signals/azure-monitor', fixture, {}), 401, 'unauthorized');
  });

  it('still refuses query tokens where the source does not allow them', async () => {
    const fixture = readFixtureText('datadog_webhook_extended_triggered.json');
    await expectProblem(
      await post(`/api/v1/signals/datadog?token=${TEST_TOKENS.signals}`, fixture, {}),
      401,
      'unauthorized',
    );
  });
});

describe('datadog route', () => {
  it('accepts the required template and refuses the default one naming what is missing', async () => {
    const [signal] = await acceptedSignals(
      await post('/api/v1/signals/datadog', readFixtureText('datadog_webhook_extended_triggered.json')),
    );
    expect(signal).toMatchObject({
      signalSource: 'datadog',
      signalName: 'High CPU usage',
      severity: 'P1',
      target: { type: 'datadog', kind: 'Host', name: 'web-01', scope: '352347' },
      deliveryKey: '8306077573749414142',
    });
    const refused = await expectProblem(
      await post('/api/v1/signals/datadog', readFixtureText('datadog_webhook_default_triggered.json')),
      400,
      'validation-error',
    );
    expect(refused.detail).toMatch(/template/);
  });
});

describe('grafana route', () => {
  const fixture = readFixtureText('grafana_unified_webhook_firing.json');
  const now = () => Math.floor(Date.now() / 1000);

  it('accepts a delivery whose HMAC over timestamp and body matches, on top of the token', async () => {
    const signals = await acceptedSignals(
      await post('/api/v1/signals/grafana', fixture, grafanaHeaders(fixture, now())),
    );
    expect(signals.map((signal) => signal.signalName).sort()).toEqual(['High CPU usage', 'High memory usage']);
    // The token authenticated the sender; the signature only proved the body.
    for (const signal of signals) expect(signal.principal).toEqual({ type: 'token', id: 'env-1' });
  });

  it('checks the configured HMAC although the source is in token mode', async () => {
    const wrong = grafanaHeaders(fixture, now(), 'another-secret');
    await expectProblem(await post('/api/v1/signals/grafana', fixture, wrong), 401, 'signature-invalid');
    const unsigned = await post('/api/v1/signals/grafana', fixture);
    const problem = await expectProblem(unsigned, 401, 'signature-invalid');
    expect(problem.detail).toContain(SIGNATURE);
  });

  it('refuses a correctly signed delivery whose timestamp is outside the replay window', async () => {
    const replayed = grafanaHeaders(fixture, now() - 301);
    const problem = await expectProblem(
      await post('/api/v1/signals/grafana', fixture, replayed),
      400,
      'replay-rejected',
    );
    expect(problem.detail).toBe('timestamp too old');
  });
});
