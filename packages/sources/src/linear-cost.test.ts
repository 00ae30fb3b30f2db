import { createHmac } from 'node:crypto';
import { readFixture, superLinearInputs } from '@gateway/testkit';
import { describe, expect, it } from 'vitest';
import { alertmanagerSource } from './alertmanager/alertmanager-source.js';
import { parseArmResourceId } from './azure-monitor/arm-resource-id.js';
import { azureMonitorSource } from './azure-monitor/azure-monitor-source.js';
import { cloudwatchSource } from './cloudwatch/cloudwatch-source.js';
import { snsStringToSign } from './cloudwatch/sns-string-to-sign.js';
import { checkSnsUrl } from './cloudwatch/sns-url.js';
import { compileCustomSource } from './custom/compile-custom-source.js';
import { datadogSource } from './datadog/datadog-source.js';
import { parseDatadogTags } from './datadog/datadog-tags.js';
import { grafanaSource } from './grafana/grafana-source.js';
import { verifyHmac } from './hmac/verify-hmac.js';
import { kubernetesEventSource } from './kubernetes-event/kubernetes-event-source.js';
import { isDns1123Label, isDns1123Subdomain } from './normalize/dns1123.js';
import type { SourceDefinition } from './source-definition.js';
import { jsonRequest, sourceContext } from './testing/source-request.js';

type Json = Record<string, unknown>;
type Inputs<T> = Record<string, (n: number) => T>;

/** Each parser of request text, fed pathological inputs of size n and 8n, must grow at most linearly. */
async function expectLinear<T>(fn: (input: T) => unknown, inputs: Inputs<T>, n = 500): Promise<void> {
  expect(await superLinearInputs(fn, inputs, { n })).toEqual({});
}

/** A whole `parse` call on a fixture with pathological fields; refusals are answers too. */
async function expectLinearParse(definition: SourceDefinition, bodies: Inputs<Json>, options?: Json): Promise<void> {
  const ctx = sourceContext(definition, { options });
  await expectLinear((body: Json) => definition.parse(jsonRequest(body), ctx).catch((error: unknown) => error), bodies);
}

const distinctTags = (n: number) => Array.from({ length: n }, (_, i) => `t${i}:v${i}`).join(',');

describe('alertmanager', () => {
  it('parses webhooks in time linear in label size and alert count', async () => {
    const body = readFixture<Json>('alertmanager_v4_firing_multi.json');
    const [alert] = body.alerts as Json[];
    await expectLinearParse(alertmanagerSource, {
      'long label values': (n) => ({
        ...body,
        alerts: [{ ...alert, labels: { alertname: 'a'.repeat(n), pod: `${'a-'.repeat(n)}!` } }],
      }),
      // 4n: V8 keeps objects of up to about a thousand properties in a layout whose growth costs more per key,
      // so both sizes sit past that switch and the ratio measures the parser, not the switch (31 seen at n).
      'many labels': (n) => ({
        ...body,
        alerts: [{ ...alert, labels: Object.fromEntries(Array.from({ length: 4 * n }, (_, i) => [`l${i}`, 'v'])) }],
      }),
      'many alerts': (n) => ({
        ...body,
        alerts: Array.from({ length: n / 10 }, (_, i) => ({ ...alert, fingerprint: `f${i}` })),
      }),
      'a long group key': (n) => ({ ...body, groupKey: `{}:{${'a='.repeat(n)}` }),
    });
  });
});

describe('kubernetes-event', () => {
  it('parses events in time linear in name and message size', async () => {
    const body = readFixture<Json>('k8s_core_v1_event_warning_backoff_watch.json');
    const event = body.object as Json;
    const involved = event.involvedObject as Json;
    await expectLinearParse(kubernetesEventSource, {
      'a long name of dashes': (n) => ({
        ...body,
        object: { ...event, involvedObject: { ...involved, name: `a${'-'.repeat(n)}` } },
      }),
      'a long message': (n) => ({ ...body, object: { ...event, message: '('.repeat(n) } }),
      'a long reason and namespace': (n) => ({
        ...body,
        object: { ...event, reason: 'R'.repeat(n), involvedObject: { ...involved, namespace: 'a.'.repeat(n) } },
      }),
    });
  });
});

describe('cloudwatch', () => {
  const alarm = readFixture<Json>('cloudwatch_alarm_message_decoded_alarm.json');
  const envelope = readFixture<Json>('sns_notification_cloudwatch_alarm.json');

  it('parses raw alarms and SNS notifications in time linear in their size', async () => {
    const trigger = alarm.Trigger as Json;
    await expectLinearParse(cloudwatchSource, {
      'many dimensions': (n) => ({
        ...alarm,
        Trigger: { ...trigger, Dimensions: Array.from({ length: n }, (_, i) => ({ name: `d${i}`, value: 'v' })) },
      }),
      'long names': (n) => ({
        ...alarm,
        AlarmName: 'a'.repeat(n),
        Region: ' '.repeat(n),
        StateChangeTime: '9'.repeat(n),
      }),
      'a notification with a long message': (n) => ({
        ...envelope,
        Message: JSON.stringify({ ...alarm, AlarmName: '['.repeat(n) }),
      }),
    });
  });

  it('checks SNS URLs and builds the string to sign in linear time, hosts capped at 253 characters', async () => {
    const pattern = '^sns\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?$';
    expect(checkSnsUrl(`https://sns.${'a'.repeat(250)}.amazonaws.com/x.pem`, 'SigningCertURL', pattern, true)).toEqual({
      ok: false,
      detail: 'SigningCertURL host is longer than 253 characters',
    });
    await expectLinear((url: string) => checkSnsUrl(url, 'SigningCertURL', pattern, true), {
      'a long host': (n) => `https://sns.${'a-'.repeat(n)}.amazonaws.co/x.pem`,
      'a long path': (n) => `https://sns.eu-west-1.amazonaws.com/${'a/'.repeat(n)}x.pe`,
      'a long query': (n) => `https://sns.eu-west-1.amazonaws.com/x.pem?${'a=&'.repeat(n)}`,
    });
    await expectLinear((body: Json) => snsStringToSign('Notification', body), {
      'long signed fields': (n) => ({ ...envelope, Message: 'm'.repeat(n), Subject: '\n'.repeat(n) }),
    });
  });
});

describe('azure-monitor', () => {
  it('parses ARM ids and alerts in time linear in their size', async () => {
    await expectLinear(parseArmResourceId, {
      'many segments': (n) => `/subscriptions/s/resourcegroups/rg/providers/ns${'/t/n'.repeat(n)}`,
      'many slashes': (n) => `/subscriptions/s${'/'.repeat(n)}x`,
      'an odd segment count': (n) => `/subscriptions/s/providers/ns${'/t'.repeat(n)}`,
    });
    const body = readFixture<Json>('azure_common_metric_alert_fired.json');
    const data = body.data as Json;
    const essentials = data.essentials as Json;
    await expectLinearParse(azureMonitorSource, {
      'a long target id': (n) => ({
        ...body,
        data: { ...data, essentials: { ...essentials, alertTargetIDs: [`/subscriptions/s${'/t/n'.repeat(n)}`] } },
      }),
      'many target ids': (n) => ({
        ...body,
        data: {
          ...data,
          essentials: { ...essentials, alertTargetIDs: Array.from({ length: n }, (_, i) => `/subscriptions/s${i}`) },
        },
      }),
    });
  });
});

describe('datadog', () => {
  it('splits and deduplicates tags in linear time', async () => {
    await expectLinear((tags: string) => parseDatadogTags(tags, tags), {
      'distinct tags': distinctTags,
      'repeated tags': (n) => 'a:b,'.repeat(n),
      'empty tags and colons': (n) => `${','.repeat(n)}${':'.repeat(n)}`,
    });
  });

  it('parses webhooks with pathological titles and tags in linear time', async () => {
    const body = readFixture<Json>('datadog_webhook_extended_triggered.json');
    await expectLinearParse(datadogSource, {
      'bracketed title prefixes': (n) => ({ ...body, title: `${'[a] '.repeat(n)}[x` }),
      'an unterminated bracket': (n) => ({ ...body, title: `[${' ['.repeat(n)}` }),
      'many tags and scopes': (n) => ({ ...body, tags: distinctTags(n), scopes: distinctTags(n) }),
      'a long hostname': (n) => ({
        ...body,
        hostname: `a${'-a'.repeat(n)}-`,
        scopes: `kube_namespace:${'a-'.repeat(n)}`,
      }),
    });
  });
});

describe('grafana', () => {
  it('parses webhooks with pathological group keys in linear time', async () => {
    const body = readFixture<Json>('grafana_unified_webhook_firing.json');
    await expectLinearParse(grafanaSource, {
      'a test-like group key that fails late': (n) => ({ ...body, groupKey: `webhook-${'a'.repeat(n)}-1x` }),
      'a group key of dashes': (n) => ({ ...body, groupKey: `webhook-${'-0'.repeat(n)}` }),
    });
  });
});

describe('hmac', () => {
  it('checks signature and timestamp headers in linear time', async () => {
    const settings = {
      secret: 's',
      header: 'X-Signature',
      algorithm: 'sha256',
      encoding: 'hex',
      prefix: 'sha256=',
      timestampHeader: 'X-Timestamp',
    } as const;
    const rawBody = new TextEncoder().encode('{}');
    const now = new Date();
    const signed = (timestamp: string) => `sha256=${createHmac('sha256', 's').update(`${timestamp}:{}`).digest('hex')}`;
    await expectLinear((headers: Record<string, string>) => verifyHmac(rawBody, headers, settings, now), {
      'a long signature': (n) => ({ 'x-signature': `sha256=${'a'.repeat(n)}`, 'x-timestamp': '1' }),
      'a signature of spaces': (n) => ({ 'x-signature': ` ${' '.repeat(n)}sha256=`, 'x-timestamp': '1' }),
      'a long signed timestamp': (n) => {
        const timestamp = `+${'9'.repeat(n)}x`;
        return { 'x-signature': signed(timestamp), 'x-timestamp': timestamp };
      },
    });
  });
});

describe('dns1123', () => {
  it('checks names in linear time', async () => {
    await expectLinear((name: string) => isDns1123Label(name) || isDns1123Subdomain(name), {
      'dashes then a bad end': (n) => `a${'-'.repeat(n)}`,
      'labels then a bad end': (n) => `${'a.'.repeat(n)}-`,
    });
  });
});

describe('custom', () => {
  it('evaluates regex literals in mappings in time linear in the payload', async () => {
    const compiled = compileCustomSource('p', {
      type: 'custom',
      enabled: true,
      signalSource: 'p',
      mapping: {
        filter: '$contains(key, /^(a+)+$/) or $contains(key, /(x|x)*y/)',
        signalName: "'n'",
        target: { kind: "'Pod'", name: "'p'", namespace: "'ns'" },
      },
    });
    if (!('definition' in compiled)) throw new Error(JSON.stringify(compiled.problems));
    await expectLinearParse(compiled.definition, {
      'a run of a then a mismatch': (n) => ({ key: `${'a'.repeat(n)}!` }),
      'a run of x without y': (n) => ({ key: 'x'.repeat(n) }),
    });
  });
});
