import type { SignalDraft } from '@gateway/contracts';
import { computeFingerprint, fingerprintInput, SignalDraftSchema } from '@gateway/contracts';
import { readFixture } from '@gateway/testkit';
import { describe, expect, it } from 'vitest';
import { SourceInputError } from '../source-definition.js';
import { jsonRequest, sourceContext } from '../testing/source-request.js';
import { datadogSource } from './datadog-source.js';

type Payload = Record<string, unknown>;

function parse(body: unknown, overrides: Parameters<typeof sourceContext>[1] = {}) {
  return datadogSource.parse(jsonRequest(body), sourceContext(datadogSource, overrides));
}

function triggered(overrides: Payload = {}): Payload {
  return { ...readFixture<Payload>('datadog_webhook_extended_triggered.json'), ...overrides };
}

async function onlySignal(body: unknown, overrides: Parameters<typeof sourceContext>[1] = {}): Promise<SignalDraft> {
  const result = await parse(body, overrides);
  expect(result.rejected).toEqual([]);
  expect(result.ignored).toEqual([]);
  expect(result.signals).toHaveLength(1);
  return result.signals[0]!;
}

async function inputError(body: unknown): Promise<SourceInputError> {
  const error = await parse(body).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof SourceInputError)) throw new Error(`expected SourceInputError, got ${String(error)}`);
  return error;
}

function fingerprintOf(signal: SignalDraft): string {
  return computeFingerprint({ signalName: signal.signalName, target: signal.target });
}

describe('datadogSource', () => {
  it('maps the extended triggered fixture to the worked-example signal and fingerprint', async () => {
    const body = readFixture<Payload>('datadog_webhook_extended_triggered.json');
    const signal = await onlySignal(body);

    expect(signal).toEqual({
      index: 0,
      source: 'datadog',
      sourceType: 'datadog',
      signalSource: 'datadog',
      status: 'firing',
      signalName: 'High CPU usage',
      severity: 'P1',
      namespace: '',
      target: { type: 'datadog', kind: 'Host', name: 'web-01', scope: '352347' },
      clusterId: '',
      firingTime: '2025-10-01T18:33:04.000Z',
      labels: {
        monitor_id: '148275309',
        alert_transition: 'Triggered',
        alert_type: 'error',
        priority: 'P1',
        org_id: '352347',
        env: 'production',
        host: 'web-01',
        service: 'api',
        team: 'backend',
      },
      annotations: {
        title: '[P1] [Triggered on {host:web-01}] High CPU usage',
        body: 'CPU usage is over 90% on web-01.\n\n@webhook-alert-gateway',
        alert_status: 'system.cpu.user over host:web-01 was > 90.0 on average during the last 5m.',
        alert_query: 'avg(last_5m):avg:system.cpu.user{*} by {host} > 90',
        url: 'https://app.datadoghq.com/event/event?id=8306077573749414142',
      },
      providerData: {
        monitorId: 148275309,
        monitorName: 'High CPU usage',
        alertCycleKey: '7716548234011234567',
        aggregKey: '9bd4ac313a4d1e8fae2482df7b77628',
        eventId: '8306077573749414142',
        transition: 'Triggered',
        metricQuery: 'avg(last_5m):avg:system.cpu.user{*} by {host} > 90',
        metric: 'system.cpu.user',
        host: 'web-01',
        tags: ['host:web-01', 'env:production', 'monitor', 'service:api', 'team:backend'],
        datadogURL: 'https://app.datadoghq.com/event/event?id=8306077573749414142',
        orgId: '352347',
        orgName: 'example-org',
      },
      originalPayload: body,
      deliveryKey: '8306077573749414142',
      fingerprintInput: null,
    });
    expect(SignalDraftSchema.parse(signal)).toEqual(signal);
    expect(fingerprintInput({ signalName: signal.signalName, target: signal.target })).toBe(
      'High CPU usage:352347:Host:web-01',
    );
    expect(fingerprintOf(signal)).toBe('21ae06cae313a4337f1a5fa7e45b3b85fb8a843b52851e74cded6b6ca7146ea7');
  });

  it('maps the recovered fixture to a resolved signal with the same fingerprint and its own delivery key', async () => {
    const signal = await onlySignal(readFixture('datadog_webhook_extended_recovered.json'));

    expect(signal.status).toBe('resolved');
    expect(signal.severity).toBe('P1');
    expect(signal.labels.alert_type).toBe('success');
    expect(signal.firingTime).toBe('2025-10-01T18:48:04.000Z');
    expect(signal.deliveryKey).toBe('8306092673749415000');
    expect(fingerprintOf(signal)).toBe('21ae06cae313a4337f1a5fa7e45b3b85fb8a843b52851e74cded6b6ca7146ea7');
  });

  it('refuses the default-template payload, naming the missing keys and the required template', async () => {
    const error = await inputError(readFixture('datadog_webhook_default_triggered.json'));

    expect(error.message).toBe(
      'Datadog payload is missing alert_cycle_key, alert_transition, monitor_id; configure the Datadog webhook ' +
        'payload with the gateway\'s template, which needs at least {"id":"$ID","alert_cycle_key":"$ALERT_CYCLE_KEY",' +
        '"alert_transition":"$ALERT_TRANSITION","monitor_id":"$ALERT_ID","title":"$EVENT_TITLE","date":"$DATE"}',
    );
    expect(error.pointer).toBe('');
  });

  it('counts empty required values as missing and refuses a body that is not an object', async () => {
    expect((await inputError(triggered({ id: '', title: '  ' }))).message).toMatch(
      /^Datadog payload is missing id, title;/,
    );
    expect((await inputError([triggered()])).message).toMatch(/^body must be a Datadog webhook JSON object;/);
  });

  it('accepts JSON only, so a form-encoded webhook is answered 415 by media type', () => {
    expect(datadogSource.contentTypes).toEqual(['application/json']);
    expect([datadogSource.rateLimitStatus, datadogSource.defaultOverloadStatus]).toEqual([503, 503]);
  });

  it.each(['Triggered', 'Re-Triggered', 'Warn', 'Re-Warn', 'Renotify'])('fires for %s', async (transition) => {
    expect((await onlySignal(triggered({ alert_transition: transition }))).status).toBe('firing');
  });

  it.each(['No Data', 'Re-No Data'])(
    'ignores %s by default and fires for it with noData: firing',
    async (transition) => {
      const body = triggered({ alert_transition: transition });
      expect(await parse(body)).toEqual({ signals: [], ignored: [{ index: 0, reason: 'no_data' }], rejected: [] });
      const signal = await onlySignal(body, { options: { noData: 'firing' } });
      expect(signal.status).toBe('firing');
      expect(signal.labels.alert_transition).toBe(transition);
    },
  );

  it('strips every leading bracket group from the title and falls back to the monitor id', async () => {
    expect((await onlySignal(triggered({ title: ' [P2][Warn on {x}]  Disk full [sda]' }))).signalName).toBe(
      'Disk full [sda]',
    );
    expect((await onlySignal(triggered({ title: '[P1] [Triggered]' }))).signalName).toBe('datadog-monitor-148275309');
  });

  it('uses alert_type when the priority is empty, then the default severity', async () => {
    expect((await onlySignal(triggered({ severity: '' }))).severity).toBe('error');
    const neither = await onlySignal(triggered({ severity: '', alert_type: '' }), {
      settings: { defaultSeverity: 'warning' },
    });
    expect(neither.severity).toBe('warning');
    expect(neither.labels).not.toHaveProperty('priority');
  });

  it('targets the first tagged workload in kube_namespace and reports kube_cluster_name', async () => {
    const signal = await onlySignal(
      triggered({
        hostname: 'node-7',
        scopes: 'kube_namespace:shop,kube_cluster_name:prod-east',
        tags: 'kube_service:cart,kube_deployment:cart,pod_name:BAD_NAME,kube_namespace:ignored',
      }),
    );

    expect(signal.target).toEqual({
      type: 'kubernetes',
      kind: 'Deployment',
      name: 'cart',
      namespace: 'shop',
      scope: 'shop',
    });
    expect(signal.namespace).toBe('shop');
    expect(signal.clusterId).toBe('prod-east');
    expect(signal.labels.kube_namespace).toBe('shop');
  });

  it('targets a tagged node, then the host tag, then the monitor', async () => {
    const node = await onlySignal(triggered({ hostname: '', scopes: 'kube_node:ip-10-0-0-1.ec2.internal', tags: '' }));
    expect(node.target).toEqual({ type: 'kubernetes', kind: 'Node', name: 'ip-10-0-0-1.ec2.internal', scope: '' });
    expect(node.namespace).toBe('');

    const host = await onlySignal(triggered({ hostname: '', scopes: '', tags: 'host:db-02' }));
    expect(host.target).toEqual({ type: 'datadog', kind: 'Host', name: 'db-02', scope: '352347' });
    expect(host.providerData.host).toBe('db-02');

    const monitor = await onlySignal(triggered({ hostname: '', scopes: '', tags: 'env:prod' }));
    expect(monitor.target).toEqual({ type: 'datadog', kind: 'Monitor', name: '148275309', scope: '352347' });
  });

  it('keeps payload fields over tags of the same key and the first of repeated tags', async () => {
    const signal = await onlySignal(triggered({ scopes: 'env:staging', tags: 'env:production,priority:P9,monitor' }));

    expect(signal.labels.env).toBe('staging');
    expect(signal.labels.priority).toBe('P1');
    expect(signal.providerData.tags).toEqual(['env:staging', 'env:production', 'priority:P9', 'monitor']);
  });

  it('leaves firingTime to ingress when the date is not epoch milliseconds', async () => {
    const signal = await onlySignal(triggered({ date: 'yesterday' }));
    expect(signal).not.toHaveProperty('firingTime');
  });
});
