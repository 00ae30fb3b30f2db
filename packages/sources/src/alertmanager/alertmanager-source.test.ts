import type { SignalDraft } from '@gateway/contracts';
import { computeFingerprint, fingerprintInput } from '@gateway/contracts';
import { readFixture } from '@gateway/testkit';
import { describe, expect, it } from 'vitest';
import { SourceInputError } from '../source-definition.js';
import { jsonRequest, sourceContext } from '../testing/source-request.js';
import { alertmanagerSource } from './alertmanager-source.js';

type Webhook = Record<string, unknown> & { alerts: Array<Record<string, unknown>> };

function parse(body: unknown, overrides: Parameters<typeof sourceContext>[1] = {}) {
  return alertmanagerSource.parse(jsonRequest(body), sourceContext(alertmanagerSource, overrides));
}

function fingerprintOf(signal: SignalDraft): string {
  return computeFingerprint({ signalName: signal.signalName, target: signal.target });
}

/** One alert with the given labels in an otherwise minimal v4 webhook. */
function webhookWith(labels: Record<string, string>, alert: Record<string, unknown> = {}): Webhook {
  return {
    version: '4',
    groupKey: 'g',
    status: 'firing',
    alerts: [{ status: 'firing', labels: { alertname: 'A', ...labels }, startsAt: '2024-01-01T00:00:00Z', ...alert }],
  };
}

async function parseError(body: unknown): Promise<SourceInputError> {
  const error = await parse(body).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof SourceInputError)) throw new Error(`expected SourceInputError, got ${String(error)}`);
  return error;
}

describe('alertmanagerSource', () => {
  it('turns every alert of the mixed fixture into its own signal with the worked-example fields', async () => {
    const body = readFixture<Webhook>('alertmanager_v4_mixed_firing_resolved.json');
    const result = await parse(body);

    expect(result.rejected).toEqual([]);
    expect(result.ignored).toEqual([]);
    expect(result.stats).toEqual({ truncatedAlerts: 0, unresolvedTargets: 3 });
    expect(result.signals.map((s) => [s.index, s.status])).toEqual([
      [0, 'firing'],
      [1, 'resolved'],
      [2, 'firing'],
    ]);
    const { originalPayload, ...first } = result.signals[0]!;
    expect(first).toEqual({
      index: 0,
      source: 'alertmanager',
      sourceType: 'alertmanager',
      signalSource: 'prometheus',
      status: 'firing',
      signalName: 'InstanceDown',
      severity: 'critical',
      namespace: 'default',
      target: { type: 'kubernetes', kind: 'Unknown', name: 'unknown', scope: 'default' },
      clusterId: '',
      firingTime: '2023-06-12T08:24:38.326Z',
      labels: {
        job: 'node',
        group: 'production',
        instance: 'localhost:8081',
        severity: 'critical',
        alertname: 'InstanceDown',
      },
      annotations: {
        title: 'Instance localhost:8081 down',
        description: 'localhost:8081 of job node has been down for more than 1 minute.',
      },
      providerData: {
        namespace: 'default',
        resource: { kind: 'Unknown', name: 'unknown', namespace: 'default' },
        alertmanagerURL: 'http://alertmanager.example:9093',
        generatorURL: '',
        groupKey: '{}:{alertname="InstanceDown"}',
        receiver: 'combo',
        alertFingerprint: 'f404ecabc8dd5cd7',
        startsAt: '2023-06-12T08:24:38.326Z',
        endsAt: '0001-01-01T00:00:00Z',
        labels: {
          job: 'node',
          group: 'production',
          instance: 'localhost:8081',
          severity: 'critical',
          alertname: 'InstanceDown',
        },
      },
      deliveryKey:
        '{}:{alertname="InstanceDown"}|f404ecabc8dd5cd7|firing|2023-06-12T08:24:38.326Z|0001-01-01T00:00:00Z',
      fingerprintInput: null,
    });
    expect(originalPayload).toEqual({ ...body, alerts: [body.alerts[0]] });
    expect(Object.keys(originalPayload)).toEqual(Object.keys(body));
    expect(result.signals[1]!.deliveryKey).toBe(
      '{}:{alertname="InstanceDown"}|f8f08d4e32c61a9d|resolved|2023-06-12T08:24:38.326Z|2023-06-12T08:31:08.326Z',
    );
    for (const signal of result.signals) {
      expect(fingerprintInput({ signalName: signal.signalName, target: signal.target })).toBe(
        'InstanceDown:default:Unknown:unknown',
      );
      expect(fingerprintOf(signal)).toBe('c35a9758b42c79da1195b4ef5385959b4396863bac184f5c86b5f77d5f1d0d5e');
    }
  });

  it('gives both alerts of the firing_multi fixture the same fingerprint', async () => {
    const result = await parse(readFixture('alertmanager_v4_firing_multi.json'));

    expect(result.signals.map((s) => s.status)).toEqual(['firing', 'firing']);
    expect(result.signals.map((s) => s.labels.group)).toEqual(['production', 'canary']);
    const [a, b] = result.signals.map(fingerprintOf);
    expect(a).toBe('c35a9758b42c79da1195b4ef5385959b4396863bac184f5c86b5f77d5f1d0d5e');
    expect(b).toBe(a);
  });

  it('yields only resolved signals targeting the deployment for the resolved fixture', async () => {
    const result = await parse(readFixture('alertmanager_v4_resolved.json'));

    expect(result.signals).toHaveLength(1);
    const signal = result.signals[0]!;
    expect(signal.status).toBe('resolved');
    expect(signal.severity).toBe('Warning');
    expect(signal.namespace).toBe('eric-eo-cm-ci406');
    expect(signal.target).toEqual({
      type: 'kubernetes',
      kind: 'Deployment',
      name: 'eric-log-transformer',
      namespace: 'eric-eo-cm-ci406',
      scope: 'eric-eo-cm-ci406',
    });
    expect(signal.firingTime).toBe('2022-07-29T11:13:27.300Z');
    expect(signal.deliveryKey).toBe(
      '{}:{alertname="Deployment"}|fbab788ec4c1018b|resolved|2022-07-29T11:13:27.3Z|2022-07-29T11:17:27.3Z',
    );
    expect(result.stats).toEqual({ truncatedAlerts: 0, unresolvedTargets: 0 });
  });

  it('rejects only the alert that lacks alertname, with a pointer and a fix-it message', async () => {
    const body = readFixture<Webhook>('alertmanager_v4_firing_multi.json');
    body.commonLabels = {};
    body.alerts[1]!.labels = { job: 'node' };
    const result = await parse(body);

    expect(result.signals.map((s) => s.index)).toEqual([0]);
    expect(result.rejected).toEqual([
      { index: 1, pointer: '/alerts/1/labels/alertname', message: 'alerts[1].labels.alertname is required' },
    ]);
  });

  it('rejects an alert whose status is neither firing nor resolved', async () => {
    const result = await parse(webhookWith({}, { status: 'pending' }));

    expect(result.signals).toEqual([]);
    expect(result.rejected).toEqual([
      {
        index: 0,
        pointer: '/alerts/0/status',
        message: 'alerts[0].status must be "firing" or "resolved", got "pending"',
      },
    ]);
  });

  it('rejects an alert whose label value is not a string', async () => {
    const body = webhookWith({});
    body.alerts[0]!.labels = { alertname: 'A', 'app/x': 3 };
    const result = await parse(body);

    expect(result.rejected).toEqual([
      { index: 0, pointer: '/alerts/0/labels/app~1x', message: 'alerts[0].labels.app/x must be a string' },
    ]);
  });

  it('uses the alert status, not the group status', async () => {
    const body = webhookWith({}, { status: 'resolved' });
    const result = await parse({ ...body, status: 'firing' });

    expect(result.signals[0]!.status).toBe('resolved');
  });

  it('lets commonLabels win over alert labels', async () => {
    const result = await parse({ ...webhookWith({ severity: 'info' }), commonLabels: { severity: 'page' } });

    expect(result.signals[0]!.severity).toBe('page');
    expect(result.signals[0]!.labels.severity).toBe('page');
  });

  it.each([
    [
      'a version other than 4',
      { ...webhookWith({}), version: '3' },
      'unsupported webhook version "3": only version "4" is accepted',
      '/version',
    ],
    ['no alerts array', { version: '4' }, 'no alerts in webhook payload', '/alerts'],
    ['an empty alerts array', { version: '4', alerts: [] }, 'no alerts in webhook payload', '/alerts'],
    ['alerts that is not an array', { alerts: { a: 1 } }, 'no alerts in webhook payload', '/alerts'],
    ['a body that is not an object', [1, 2], 'body must be an Alertmanager webhook JSON object', ''],
    [
      'commonLabels with a non-string value',
      { ...webhookWith({}), commonLabels: { a: 1 } },
      'commonLabels.a must be a string',
      '/commonLabels/a',
    ],
  ])('throws SourceInputError for %s', async (_case, body, message, pointer) => {
    const error = await parseError(body);
    expect(error.message).toBe(message);
    expect(error.pointer).toBe(pointer);
  });

  it('accepts a body without version', async () => {
    const { version: _version, ...body } = webhookWith({});
    const result = await parse(body);

    expect(result.signals).toHaveLength(1);
  });

  it('parses the raw body when ingress did not parse JSON', async () => {
    const request = { ...jsonRequest(webhookWith({})), json: undefined };
    const result = await alertmanagerSource.parse(request, sourceContext(alertmanagerSource));

    expect(result.signals.map((s) => s.signalName)).toEqual(['A']);
  });

  it('reports truncatedAlerts in stats', async () => {
    const result = await parse({ ...webhookWith({}), truncatedAlerts: 7 });

    expect(result.stats).toEqual({ truncatedAlerts: 7, unresolvedTargets: 1 });
  });

  it('picks the first resource label in resourceLabels order that names a valid object', async () => {
    const labels = { namespace: 'shop', pod: 'Not_Valid', deployment: 'web', service: 'web-svc' };
    const result = await parse(webhookWith(labels));

    expect(result.signals[0]!.target).toEqual({
      type: 'kubernetes',
      kind: 'Deployment',
      name: 'web',
      namespace: 'shop',
      scope: 'shop',
    });
  });

  it('follows configured resourceLabels instead of the default list', async () => {
    const options = {
      resourceLabels: [
        { label: 'service', kind: 'Service' },
        { label: 'deployment', kind: 'Deployment' },
      ],
    };
    const result = await parse(webhookWith({ deployment: 'web', service: 'web-svc' }), { options });

    expect(result.signals[0]!.target).toMatchObject({ kind: 'Service', name: 'web-svc' });
  });

  it('prefers exported_namespace over namespace and skips invalid namespace values', async () => {
    const both = await parse(webhookWith({ pod: 'p', namespace: 'monitoring', exported_namespace: 'shop' }));
    const invalidExported = await parse(
      webhookWith({ pod: 'p', namespace: 'monitoring', exported_namespace: 'Bad_NS' }),
    );
    const none = await parse(webhookWith({ pod: 'p' }));

    expect(both.signals[0]!.namespace).toBe('shop');
    expect(invalidExported.signals[0]!.namespace).toBe('monitoring');
    expect(none.signals[0]!.target).toEqual({
      type: 'kubernetes',
      kind: 'Pod',
      name: 'p',
      namespace: 'default',
      scope: 'default',
    });
  });

  it('gives cluster-scoped kinds an empty namespace and scope', async () => {
    const result = await parse(webhookWith({ node: 'ip-10-0-0-1.ec2.internal', namespace: 'monitoring' }));
    const signal = result.signals[0]!;

    expect(signal.namespace).toBe('');
    expect(signal.target).toEqual({ type: 'kubernetes', kind: 'Node', name: 'ip-10-0-0-1.ec2.internal', scope: '' });
    expect(fingerprintInput({ signalName: signal.signalName, target: signal.target })).toBe(
      'A::Node:ip-10-0-0-1.ec2.internal',
    );
  });

  it('rejects a firing alert without a target when unresolvedTarget is reject, but keeps a resolved one', async () => {
    const body = webhookWith({});
    body.alerts.push({ status: 'resolved', labels: { alertname: 'B' } });
    const result = await parse(body, { settings: { unresolvedTarget: 'reject' } });

    expect(result.rejected).toEqual([
      {
        index: 0,
        pointer: '/alerts/0/labels',
        message:
          'alerts[0].labels names no target resource: set one of pod, deployment, statefulset, daemonset, replicaset, job_name, cronjob, persistentvolumeclaim, horizontalpodautoscaler, node, persistentvolume, service to a valid object name',
      },
    ]);
    expect(result.signals.map((s) => [s.index, s.target])).toEqual([[1, undefined]]);
    expect(result.stats).toEqual({ truncatedAlerts: 0, unresolvedTargets: 0 });
  });

  it('cuts label values to 63 bytes at a character boundary but keeps them whole in providerData', async () => {
    const long = `${'a'.repeat(62)}é-tail`;
    const result = await parse(webhookWith({ summary: long }));
    const signal = result.signals[0]!;

    expect(signal.labels.summary).toBe('a'.repeat(62));
    expect((signal.providerData.labels as Record<string, string>).summary).toBe(long);
  });

  it('cuts annotation values to 262000 bytes', async () => {
    const result = await parse(webhookWith({}, { annotations: { big: '€'.repeat(100_000) } }));

    expect(result.signals[0]!.annotations.big).toBe('€'.repeat(87_333));
  });

  it('cuts signalName to 253 characters', async () => {
    const result = await parse(webhookWith({ alertname: 'x'.repeat(300) }));

    expect(result.signals[0]!.signalName).toBe('x'.repeat(253));
  });

  it('maps severity, and falls back to defaultSeverity when empty', async () => {
    const settings = { severityMap: { P1: 'critical' }, defaultSeverity: 'warning' };
    const mapped = await parse(webhookWith({ severity: ' P1 ' }), { settings });
    const empty = await parse(webhookWith({ severity: '  ' }), { settings });

    expect(mapped.signals[0]!.severity).toBe('critical');
    expect(empty.signals[0]!.severity).toBe('warning');
  });

  it('leaves firingTime unset when startsAt is the zero time or unparsable', async () => {
    const zero = await parse(webhookWith({}, { startsAt: '0001-01-01T00:00:00Z' }));
    const junk = await parse(webhookWith({}, { startsAt: 'yesterday' }));

    expect(zero.signals[0]!.firingTime).toBeUndefined();
    expect(junk.signals[0]!.firingTime).toBeUndefined();
  });

  it('takes the cluster id candidate from the configured cluster label', async () => {
    const byDefault = await parse(webhookWith({ cluster: 'prod-east' }));
    const configured = await parse(webhookWith({ cluster: 'prod-east', k8s_cluster: 'eu-1' }), {
      settings: { clusterLabel: 'k8s_cluster' },
    });

    expect(byDefault.signals[0]!.clusterId).toBe('prod-east');
    expect(configured.signals[0]!.clusterId).toBe('eu-1');
  });

  it('derives the delivery key from a hash of the sorted labels when the alert has no fingerprint', async () => {
    const a = await parse(webhookWith({ b: '2', c: '3' }, { endsAt: '0001-01-01T00:00:00Z' }));
    const reordered = webhookWith({}, { endsAt: '0001-01-01T00:00:00Z' });
    reordered.alerts[0]!.labels = { c: '3', alertname: 'A', b: '2' };
    const b = await parse(reordered);

    // sha256('{"alertname":"A","b":"2","c":"3"}')
    const hash = 'a9b2d3c0ed25057a779112f1fee33961cfbca8e163e53a44f8fbac4414ac3802';
    expect(a.signals[0]!.deliveryKey).toBe(`g|${hash}|firing|2024-01-01T00:00:00Z|0001-01-01T00:00:00Z`);
    expect(b.signals[0]!.deliveryKey).toBe(a.signals[0]!.deliveryKey);
  });
});
