import { createHmac } from 'node:crypto';
import type { SignalDraft } from '@gateway/contracts';
import { computeFingerprint, fingerprintInput, SignalDraftSchema } from '@gateway/contracts';
import { readFixture } from '@gateway/testkit';
import { describe, expect, it } from 'vitest';
import type { RawRequest } from '../source-definition.js';
import { SourceInputError } from '../source-definition.js';
import { jsonRequest, sourceContext, TEST_RECEIVED_AT } from '../testing/source-request.js';
import { grafanaSource } from './grafana-source.js';

type Webhook = Record<string, unknown> & { alerts: Array<Record<string, unknown>> };

const SECRET = 'grafana-contact-point-secret';

function parse(body: unknown, options: unknown = {}) {
  return grafanaSource.parse(jsonRequest(body, '/api/v1/signals/grafana'), sourceContext(grafanaSource, { options }));
}

function fingerprintOf(signal: SignalDraft): string {
  return computeFingerprint({ signalName: signal.signalName, target: signal.target });
}

function firing(): Webhook {
  return readFixture<Webhook>('grafana_unified_webhook_firing.json');
}

describe('grafanaSource.parse', () => {
  it('maps both alerts of the unified firing fixture to the worked-example signals', async () => {
    const body = firing();
    const result = await parse(body);

    expect(result.rejected).toEqual([]);
    expect(result.ignored).toEqual([]);
    expect(result.stats).toEqual({ truncatedAlerts: 0, unresolvedTargets: 2 });
    expect(result.signals.map((s) => fingerprintInput({ signalName: s.signalName, target: s.target }))).toEqual([
      'High memory usage:default:Unknown:unknown',
      'High CPU usage:default:Unknown:unknown',
    ]);
    expect(result.signals.map(fingerprintOf)).toEqual([
      'a80c5cba616bccf7f85c0d289a41a358c0173b06c11c4a97d8315d577c28b55c',
      '4b863e98ae2c56818f83a9626790af3e684743be885a7c86866f483f1ff1a7e6',
    ]);
    const first = result.signals[0]!;
    expect(first).toEqual({
      index: 0,
      source: 'grafana',
      sourceType: 'grafana',
      signalSource: 'grafana',
      status: 'firing',
      signalName: 'High memory usage',
      severity: 'unknown',
      namespace: 'default',
      target: { type: 'kubernetes', kind: 'Unknown', name: 'unknown', scope: 'default' },
      clusterId: '',
      firingTime: '2021-10-12T07:51:03.157Z',
      labels: { alertname: 'High memory usage', team: 'blue', zone: 'us-1' },
      annotations: {
        description: 'The system has high memory usage',
        runbook_url: 'https://myrunbook.com/runbook/1234',
        summary: 'This alert was triggered for zone us-1',
      },
      providerData: {
        namespace: 'default',
        resource: { kind: 'Unknown', name: 'unknown', namespace: 'default' },
        alertmanagerURL: 'https://play.grafana.org/',
        generatorURL: 'https://play.grafana.org/alerting/1afz29v7z/edit',
        groupKey: '{}:{}',
        receiver: 'My Super Webhook',
        alertFingerprint: 'c6eadffa33fcdf37',
        startsAt: '2021-10-12T09:51:03.157076+02:00',
        endsAt: '0001-01-01T00:00:00Z',
        labels: { alertname: 'High memory usage', team: 'blue', zone: 'us-1' },
        orgId: 1,
        values: { B: 44.23943737541908, C: 1 },
        valueString: '',
        dashboardURL: '',
        panelURL: '',
        silenceURL:
          'https://play.grafana.org/alerting/silence/new?alertmanager=grafana&matchers=alertname%3DT2%2Cteam%3Dblue%2Czone%3Dus-1',
        appVersion: '',
      },
      originalPayload: { ...body, alerts: [body.alerts[0]] },
      deliveryKey: '{}:{}|c6eadffa33fcdf37|firing|2021-10-12T09:51:03.157076+02:00|0001-01-01T00:00:00Z',
      fingerprintInput: null,
    });
    for (const signal of result.signals) expect(SignalDraftSchema.parse(signal)).toEqual(signal);
  });

  it('ignores the Grafana 12 test notification', async () => {
    expect(await parse(readFixture('grafana_12_webhook_test_alert.json'))).toEqual({
      signals: [],
      ignored: [{ index: 0, reason: 'test_notification' }],
      rejected: [],
      stats: { truncatedAlerts: 0, unresolvedTargets: 0 },
    });
  });

  it('recognises an older test alert by its name and relative generatorURL alone', async () => {
    const body = readFixture<Webhook>('grafana_12_webhook_test_alert.json');
    const older = { ...body, groupKey: '{}:{alertname="TestAlert"}' };
    expect((await parse(older)).ignored).toEqual([{ index: 0, reason: 'test_notification' }]);

    const realRule = { ...older, alerts: [{ ...body.alerts[0], generatorURL: 'https://grafana.example.com/x' }] };
    expect((await parse(realRule)).signals.map((s) => s.signalName)).toEqual(['TestAlert']);
  });

  it('passes test notifications through with ignoreTestNotifications: false, with the Grafana 12 extras', async () => {
    const result = await parse(readFixture('grafana_12_webhook_test_alert.json'), { ignoreTestNotifications: false });

    expect(result.ignored).toEqual([]);
    const signal = result.signals[0]!;
    expect(signal.annotations).toEqual({
      dashboard_url: 'https://grafana.example.com/d/dashboard_uid',
      panel_url: 'https://grafana.example.com/d/dashboard_uid?viewPanel=1',
      description: 'Test Description',
      summary: 'TEST',
    });
    expect(signal.providerData).toMatchObject({
      orgId: 1,
      values: { B: 22, C: 1 },
      valueString: "[ var='B' value=22 ]",
      dashboardURL: 'https://grafana.example.com/d/dashboard_uid',
      panelURL: 'https://grafana.example.com/d/dashboard_uid?viewPanel=1',
      silenceURL: 'https://grafana.example.com/alerting/silence/new',
      appVersion: '12.4.2',
    });
  });

  it('lets an alert annotation named dashboard_url win over the link', async () => {
    const body = firing();
    body.alerts[0] = {
      ...body.alerts[0],
      dashboardURL: 'https://grafana.example/d/1',
      annotations: { dashboard_url: 'https://mine' },
    };
    expect((await parse(body)).signals[0]!.annotations.dashboard_url).toBe('https://mine');
  });

  it('targets resource labels like Alertmanager does', async () => {
    const body = firing();
    body.alerts[0] = { ...body.alerts[0], labels: { alertname: 'OOM', pod: 'api-0', namespace: 'shop' } };
    const signal = (await parse(body)).signals[0]!;
    expect(signal.target).toEqual({ type: 'kubernetes', kind: 'Pod', name: 'api-0', namespace: 'shop', scope: 'shop' });
  });

  it('accepts versions 1 and 4 and refuses others', async () => {
    expect((await parse({ ...firing(), version: '4' })).signals).toHaveLength(2);
    const error = await parse({ ...firing(), version: '2' }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(SourceInputError);
    expect((error as SourceInputError).message).toBe(
      'unsupported webhook version "2": only version "1" or "4" is accepted',
    );
  });
});

describe('grafanaSource.verify', () => {
  const NOW_SECONDS = TEST_RECEIVED_AT.getTime() / 1000;

  function signedRequest(headers: Record<string, string>): RawRequest {
    const request = jsonRequest(firing(), '/api/v1/signals/grafana');
    return { ...request, headers: { ...request.headers, ...headers } };
  }

  function signature(request: RawRequest, timestamp?: string): string {
    const prefix = timestamp === undefined ? '' : `${timestamp}:`;
    return createHmac('sha256', SECRET)
      .update(Buffer.concat([Buffer.from(prefix), request.rawBody]))
      .digest('hex');
  }

  function verify(request: RawRequest, hmac: Record<string, unknown> | undefined) {
    return grafanaSource.verify!(request, sourceContext(grafanaSource, { options: hmac ? { hmac } : {} }));
  }

  it('passes everything when no HMAC is configured', async () => {
    expect(await verify(signedRequest({}), undefined)).toEqual({ ok: true });
  });

  it('accepts a valid signature in the default header and names the signer', async () => {
    const request = signedRequest({});
    request.headers['x-grafana-alerting-signature'] = signature(request);
    expect(await verify(request, { secret: SECRET })).toEqual({
      ok: true,
      principal: { type: 'signature', id: 'hmac:grafana' },
    });
  });

  it('answers 401 for a wrong or missing signature', async () => {
    const wrong = signedRequest({ 'x-grafana-alerting-signature': 'abc123' });
    expect(await verify(wrong, { secret: SECRET })).toEqual({
      ok: false,
      status: 401,
      detail: 'X-Grafana-Alerting-Signature does not match the request body; check the shared secret',
    });
    expect(await verify(signedRequest({}), { secret: SECRET })).toEqual({
      ok: false,
      status: 401,
      detail: 'missing X-Grafana-Alerting-Signature header; configure the sender to sign requests',
    });
  });

  it('signs <timestamp>:<body> with a timestamp header and rejects a replay', async () => {
    const hmac = { secret: SECRET, timestampHeader: 'X-Grafana-Alerting-Timestamp' };
    const fresh = signedRequest({ 'x-grafana-alerting-timestamp': String(NOW_SECONDS - 10) });
    fresh.headers['x-grafana-alerting-signature'] = signature(fresh, String(NOW_SECONDS - 10));
    expect(await verify(fresh, hmac)).toMatchObject({ ok: true });

    const replayed = signedRequest({ 'x-grafana-alerting-timestamp': String(NOW_SECONDS - 600) });
    replayed.headers['x-grafana-alerting-signature'] = signature(replayed, String(NOW_SECONDS - 600));
    expect(await verify(replayed, hmac)).toEqual({
      ok: false,
      status: 401,
      problem: 'replay-rejected',
      detail: 'timestamp too old',
    });
  });
});
