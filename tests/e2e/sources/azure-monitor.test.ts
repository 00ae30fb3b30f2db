import { readFixture, readFixtureText } from '@gateway/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  expectAccepted,
  expectRefused,
  expectResolvedOnly,
  type PostOptions,
  rrSpec,
  rrValidator,
  type SourceStack,
  startSourceStack,
  truncated,
} from '../../support/sources.js';

// Azure Monitor end to end: Azure action groups cannot send headers, so the token rides in `?token=`.

const ROUTE = '/api/v1/signals/azure-monitor';
const WORKED_FINGERPRINT = 'cdb2a2a7891cb2e8f2b2aa8f740ad885211c6b1dffed902c028b6975f0a31766';
const WORKED_RR = 'rr-cdb2a2a7891c-b4b20071';

describe('azure-monitor source', () => {
  let gw: SourceStack;
  /** How an action group calls: the token in the URL, no Authorization header. */
  let asActionGroup: PostOptions;

  beforeAll(async () => {
    gw = await startSourceStack({ sources: { 'azure-monitor': { enabled: true } } });
    asActionGroup = { token: false, query: { token: gw.stack.token } };
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
  });

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => console.error(gw?.logs()));
  });

  it('creates the worked-example RR when the metric alert fires with ?token=', async () => {
    const body = readFixture('azure_common_metric_alert_fired.json');
    expectAccepted(await gw.post(ROUTE, body, asActionGroup), { accepted: 1, ignored: 0 });

    const rr = await gw.waitForRr(WORKED_RR);
    expect(rrValidator().validate(rr)).toEqual([]);
    const spec = rrSpec(rr);
    expect(spec).toMatchObject({
      signalFingerprint: WORKED_FINGERPRINT,
      signalName: 'test-metricAlertRule',
      signalSource: 'azure-monitor',
      severity: 'Sev3',
      targetType: 'azure',
      firingTime: '2021-11-15T09:35:24.346Z',
    });
    expect(spec.targetResource).toMatchObject({
      kind: 'microsoft.storage/storageaccounts',
      name: 'test-storageaccount',
    });
    expect(spec.signalLabels).toMatchObject({
      alert_rule: 'test-metricAlertRule',
      signal_type: 'Metric',
      monitoring_service: 'Platform',
      customKey1: 'value1',
      customKey2: 'value2',
    });
    await gw.fx.waitForCount(WORKED_RR, 1);
  });

  it('creates no RR when the metric alert resolves', async () => {
    await expectResolvedOnly(gw, async () =>
      gw.post(ROUTE, readFixture('azure_common_metric_alert_resolved.json'), asActionGroup),
    );
  });

  it('answers 401 when the query token is missing or unknown', async () => {
    const body = readFixture('azure_common_metric_alert_fired.json');
    await expectRefused(gw, () => gw.post(ROUTE, body, { token: false }), 401, 'unauthorized');
    await expectRefused(
      gw,
      () => gw.post(ROUTE, body, { token: false, query: { token: 'not-a-configured-token-0000000' } }),
      401,
      'unauthorized',
    );
  });

  it('answers 400 naming the common alert schema when the action group sends another schema', async () => {
    const body = readFixture<Record<string, unknown>>('azure_common_metric_alert_fired.json');
    const problem = await expectRefused(
      gw,
      () => gw.post(ROUTE, { ...body, schemaId: 'AzureMonitorMetricAlert' }, asActionGroup),
      400,
      'validation-error',
    );
    expect(problem.detail).toMatch(/common alert schema/i);
    // The legacy (non-common) metric alert shape has no schemaId at all.
    await expectRefused(
      gw,
      () => gw.post(ROUTE, { status: 'Activated', context: { name: 'cpu' } }, asActionGroup),
      400,
      'validation-error',
    );
  });

  it('answers 400 validation-error when the body is truncated JSON', async () => {
    const text = readFixtureText('azure_common_metric_alert_fired.json');
    const problem = await expectRefused(
      gw,
      () => gw.post(ROUTE, truncated(text), asActionGroup),
      400,
      'validation-error',
    );
    expect(problem.detail).not.toContain('test-metricAlertRule');
  });
});
