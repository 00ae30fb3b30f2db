import { remediationRequestName } from '@gateway/contracts';
import { readFixture, readFixtureText } from '@gateway/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  expectAccepted,
  expectRefused,
  expectResolvedOnly,
  rrSpec,
  rrValidator,
  type SourceStack,
  startSourceStack,
  truncated,
} from '../../support/sources.js';

// Grafana end to end without HMAC (token only); grafana-hmac.test.ts covers the signed contact point.

const ROUTE = '/api/v1/signals/grafana';
const MEMORY_FINGERPRINT = 'a80c5cba616bccf7f85c0d289a41a358c0173b06c11c4a97d8315d577c28b55c';
const MEMORY_RR = 'rr-a80c5cba616b-5c534edd';
const CPU_FINGERPRINT = '4b863e98ae2c56818f83a9626790af3e684743be885a7c86866f483f1ff1a7e6';

interface GrafanaWebhook {
  alerts: Record<string, unknown>[];
  [key: string]: unknown;
}

describe('grafana source', () => {
  let gw: SourceStack;

  beforeAll(async () => {
    gw = await startSourceStack({ sources: { grafana: { enabled: true } } });
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
  });

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => console.error(gw?.logs()));
  });

  it('creates one RR per firing alert with the worked-example names', async () => {
    expectAccepted(await gw.post(ROUTE, readFixture('grafana_unified_webhook_firing.json')), {
      accepted: 2,
      ignored: 0,
    });
    const rr = await gw.waitForRr(MEMORY_RR);
    expect(rrValidator().validate(rr)).toEqual([]);
    const spec = rrSpec(rr);
    expect(spec).toMatchObject({
      signalFingerprint: MEMORY_FINGERPRINT,
      signalName: 'High memory usage',
      signalSource: 'grafana',
      targetType: 'kubernetes',
    });
    // An alert without resource labels gets the Unknown placeholder (docs/signals-and-sources.md#common-normalisation).
    expect(spec.targetResource).toMatchObject({ kind: 'Unknown', name: 'unknown' });
    expect(spec.signalLabels).toMatchObject({ team: 'blue', zone: 'us-1' });
    expect(JSON.parse(spec.providerData ?? '{}')).toMatchObject({ values: { B: 44.23943737541908, C: 1 } });

    // Every alert of the webhook is its own signal (Grafana follows the Alertmanager item model).
    const cpu = await gw.waitForRr(remediationRequestName(CPU_FINGERPRINT, 1));
    expect(rrValidator().validate(cpu)).toEqual([]);
    expect(rrSpec(cpu)).toMatchObject({
      signalFingerprint: CPU_FINGERPRINT,
      signalName: 'High CPU usage',
      signalSource: 'grafana',
    });
    await gw.fx.waitForCount(MEMORY_RR, 1);
  });

  it('ignores the Grafana 12 test notification', async () => {
    expectAccepted(await gw.post(ROUTE, readFixture('grafana_12_webhook_test_alert.json')), {
      accepted: 0,
      ignored: 1,
    });
  });

  it('creates no RR when an alert resolves', async () => {
    const webhook = readFixture<GrafanaWebhook>('grafana_unified_webhook_firing.json');
    const resolvedAt = new Date().toISOString();
    const resolved: GrafanaWebhook = {
      ...webhook,
      status: 'resolved',
      alerts: webhook.alerts.map((alert) => ({
        ...alert,
        status: 'resolved',
        endsAt: resolvedAt,
        labels: {
          ...(alert.labels as Record<string, string>),
          alertname: `${(alert.labels as { alertname: string }).alertname} resolved`,
        },
      })),
    };
    await expectResolvedOnly(gw, () => gw.post(ROUTE, resolved));
  });

  it('answers 401 without the token', async () => {
    await expectRefused(
      gw,
      () => gw.post(ROUTE, readFixture('grafana_unified_webhook_firing.json'), { token: false }),
      401,
      'unauthorized',
    );
  });

  it('answers 400 validation-error when the body is truncated JSON', async () => {
    const text = readFixtureText('grafana_unified_webhook_firing.json');
    const problem = await expectRefused(gw, () => gw.post(ROUTE, truncated(text)), 400, 'validation-error');
    expect(problem.detail).not.toContain('High memory usage');
  });
});
