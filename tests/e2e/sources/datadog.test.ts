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

// Datadog end to end: the required webhook template, a Bearer token in the webhook's custom headers.

const ROUTE = '/api/v1/signals/datadog';
const WORKED_FINGERPRINT = '21ae06cae313a4337f1a5fa7e45b3b85fb8a843b52851e74cded6b6ca7146ea7';
const WORKED_RR = 'rr-21ae06cae313-088f3563';

describe('datadog source', () => {
  let gw: SourceStack;

  beforeAll(async () => {
    gw = await startSourceStack({ sources: { datadog: { enabled: true } } });
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
  });

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => console.error(gw?.logs()));
  });

  it('creates the worked-example RR when the extended-template monitor triggers', async () => {
    expectAccepted(await gw.post(ROUTE, readFixture('datadog_webhook_extended_triggered.json')), {
      accepted: 1,
      ignored: 0,
    });
    const rr = await gw.waitForRr(WORKED_RR);
    expect(rrValidator().validate(rr)).toEqual([]);
    const spec = rrSpec(rr);
    expect(spec).toMatchObject({
      signalFingerprint: WORKED_FINGERPRINT,
      signalName: 'High CPU usage',
      signalSource: 'datadog',
      severity: 'P1',
      targetType: 'datadog',
      firingTime: '2025-10-01T18:33:04.000Z',
    });
    expect(spec.targetResource).toMatchObject({ kind: 'Host', name: 'web-01' });
    expect(spec.signalLabels).toMatchObject({
      monitor_id: '148275309',
      alert_transition: 'Triggered',
      priority: 'P1',
      org_id: '352347',
      env: 'production',
      team: 'backend',
    });
    expect(JSON.parse(spec.providerData ?? '{}')).toMatchObject({
      monitorId: 148275309,
      alertCycleKey: '7716548234011234567',
    });
    await gw.fx.waitForCount(WORKED_RR, 1);
  });

  it('creates no RR when the monitor recovers', async () => {
    await expectResolvedOnly(gw, () => gw.post(ROUTE, readFixture('datadog_webhook_extended_recovered.json')));
  });

  it('answers 400 naming the missing keys and the required template for the default payload', async () => {
    const problem = await expectRefused(
      gw,
      () => gw.post(ROUTE, readFixture('datadog_webhook_default_triggered.json')),
      400,
      'validation-error',
    );
    // The default template lacks these; the answer must tell the operator what to add.
    for (const key of ['alert_cycle_key', 'alert_transition', 'monitor_id']) expect(problem.detail).toContain(key);
    expect(problem.detail).toMatch(/template/i);
  });

  it('answers 415 for form encoding, the other body Datadog can send', async () => {
    await expectRefused(
      gw,
      () =>
        gw.post(ROUTE, 'id=8306077573749414142&title=High+CPU+usage', {
          contentType: 'application/x-www-form-urlencoded',
        }),
      415,
      'unsupported-media-type',
    );
  });

  it('answers 401 without the Bearer token', async () => {
    await expectRefused(
      gw,
      () => gw.post(ROUTE, readFixture('datadog_webhook_extended_triggered.json'), { token: false }),
      401,
      'unauthorized',
    );
  });

  it('answers 400 validation-error when the body is truncated JSON', async () => {
    const text = readFixtureText('datadog_webhook_extended_triggered.json');
    const problem = await expectRefused(gw, () => gw.post(ROUTE, truncated(text)), 400, 'validation-error');
    expect(problem.detail).not.toContain('web-01');
  });
});
