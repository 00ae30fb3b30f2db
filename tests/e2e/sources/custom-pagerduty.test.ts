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

// Custom JSONata source end to end: the documented PagerDuty Events v2 example configuration, verbatim, is the whole
// source.

const PAGERDUTY_CONFIG = `
sources:
  pagerduty:
    type: custom
    enabled: true
    signalSource: pagerduty-events
    overloadStatus: 429
    mapping:
      filter: "event_action in ['trigger','resolve']"
      status: "event_action = 'resolve' ? 'resolved' : 'firing'"
      signalName: "$exists(payload.summary) ? payload.summary : dedup_key"
      severity: "payload.severity"
      target: {kind: "'StatefulSet'", name: "payload.component", namespace: "payload.group"}
      firingTime: "payload.timestamp"
      labels: "{'class': payload.class, 'component': payload.component, 'group': payload.group}"
      annotations: "{'summary': payload.summary, 'source': payload.source}"
      providerData: "{'dedupKey': dedup_key, 'client': client, 'clientUrl': client_url, 'details': payload.custom_details}"
      deliveryKey: "dedup_key & '|' & event_action & '|' & payload.timestamp"
      fingerprintInput: "'pagerduty:' & dedup_key"
`;

const ROUTE = '/api/v1/signals/pagerduty';
const WORKED_FINGERPRINT = '9084a98af6cffef3a877cf6bed0abc5689311d4f9f34c0401ab71d3445720e49';
const WORKED_RR = 'rr-9084a98af6cf-cb81726a';

describe('custom pagerduty source', () => {
  let gw: SourceStack;

  beforeAll(async () => {
    gw = await startSourceStack(PAGERDUTY_CONFIG);
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
  });

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => console.error(gw?.logs()));
  });

  it('creates the worked-example RR from a trigger event', async () => {
    expectAccepted(await gw.post(ROUTE, readFixture('pagerduty_events_v2_trigger.json')), { accepted: 1, ignored: 0 });
    const rr = await gw.waitForRr(WORKED_RR);
    expect(rrValidator().validate(rr)).toEqual([]);
    const spec = rrSpec(rr);
    expect(spec).toMatchObject({
      signalFingerprint: WORKED_FINGERPRINT,
      signalName: 'Example alert on host1.example.com',
      signalSource: 'pagerduty-events',
      severity: 'info',
      targetType: 'kubernetes',
      firingTime: '2015-07-17T08:42:58.315Z',
    });
    expect(spec.targetResource).toMatchObject({ kind: 'StatefulSet', name: 'postgres', namespace: 'prod-datapipe' });
    expect(spec.signalLabels).toMatchObject({ class: 'deploy', component: 'postgres', group: 'prod-datapipe' });
    expect(JSON.parse(spec.providerData ?? '{}')).toMatchObject({
      dedupKey: 'samplekeyhere',
      client: 'Sample Monitoring Service',
    });
    await gw.fx.waitForCount(WORKED_RR, 1);
  });

  it('creates no RR from a resolve event', async () => {
    await expectResolvedOnly(gw, () => gw.post(ROUTE, readFixture('pagerduty_events_v2_resolve.json')));
  });

  it('ignores an acknowledge event through the filter', async () => {
    const acknowledge = {
      ...readFixture<Record<string, unknown>>('pagerduty_events_v2_trigger.json'),
      event_action: 'acknowledge',
    };
    expectAccepted(await gw.post(ROUTE, acknowledge), { accepted: 0, ignored: 1 });
  });

  it('answers 400 naming the mapping key when a firing item has no target name', async () => {
    const trigger = readFixture<{ payload: Record<string, unknown> }>('pagerduty_events_v2_trigger.json');
    const { component: _dropped, ...payload } = trigger.payload;
    const problem = await expectRefused(gw, () => gw.post(ROUTE, { ...trigger, payload }), 400, 'validation-error');
    expect(JSON.stringify(problem.errors ?? problem.detail)).toMatch(/target\.name|mapping/);
  });

  it('answers 401 without the token', async () => {
    await expectRefused(
      gw,
      () => gw.post(ROUTE, readFixture('pagerduty_events_v2_trigger.json'), { token: false }),
      401,
      'unauthorized',
    );
  });

  it('answers 400 validation-error when the body is truncated JSON', async () => {
    const text = readFixtureText('pagerduty_events_v2_trigger.json');
    const problem = await expectRefused(gw, () => gw.post(ROUTE, truncated(text)), 400, 'validation-error');
    expect(problem.detail).not.toContain('host1.example.com');
  });
});
