import type { SignalDraft } from '@gateway/contracts';
import { computeFingerprint, fingerprintInput, SignalDraftSchema } from '@gateway/contracts';
import { readFixture } from '@gateway/testkit';
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../parse-options.js';
import type { RawRequest } from '../source-definition.js';
import { SourceInputError } from '../source-definition.js';
import { jsonRequest, sourceContext } from '../testing/source-request.js';
import { cloudwatchSource } from './cloudwatch-source.js';

type Json = Record<string, unknown>;

const WARNING = { defaultSeverity: 'warning' };

function parse(req: RawRequest, options: Json = {}) {
  return cloudwatchSource.parse(req, sourceContext(cloudwatchSource, { options, settings: WARNING }));
}

function parseBody(body: unknown, options: Json = {}) {
  return parse(jsonRequest(body), options);
}

async function onlySignal(body: unknown, options: Json = {}): Promise<SignalDraft> {
  const result = await parseBody(body, options);
  expect(result.ignored).toEqual([]);
  expect(result.signals).toHaveLength(1);
  return result.signals[0]!;
}

/** The alarm fixture's envelope carrying a different alarm message. */
function envelopeWith(alarm: Json): Json {
  return { ...readFixture<Json>('sns_notification_cloudwatch_alarm.json'), Message: JSON.stringify(alarm) };
}

function alarmWith(trigger: Json, extra: Json = {}): Json {
  return { ...readFixture<Json>('cloudwatch_alarm_message_decoded_alarm.json'), Trigger: trigger, ...extra };
}

function fingerprintOf(signal: SignalDraft) {
  return { input: fingerprintInput(signal), hash: computeFingerprint(signal) };
}

async function parseError(req: RawRequest): Promise<SourceInputError> {
  const error = await parse(req).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof SourceInputError)) throw new Error(`expected SourceInputError, got ${String(error)}`);
  return error;
}

describe('cloudwatchSource.parse', () => {
  it('maps the documented example alarm exactly', async () => {
    const envelope = readFixture<Json>('sns_notification_cloudwatch_alarm.json');
    const signal = await onlySignal(envelope);

    expect(signal).toEqual({
      index: 0,
      source: 'cloudwatch',
      sourceType: 'cloudwatch',
      signalSource: 'aws-cloudwatch',
      status: 'firing',
      signalName: 'bucketbytesAlarm',
      severity: 'warning',
      namespace: '',
      target: { type: 'aws', kind: 'S3Bucket', name: 'try.alerta.io', scope: '1234567890/eu-west-1' },
      clusterId: '',
      firingTime: '2019-02-15T23:53:45.093Z',
      labels: {
        alarm_name: 'bucketbytesAlarm',
        aws_account_id: '1234567890',
        aws_region: 'eu-west-1',
        metric_namespace: 'AWS/S3',
        metric_name: 'BucketSizeBytes',
        statistic: 'AVERAGE',
        comparison_operator: 'GreaterThanOrEqualToThreshold',
        aws_dimension_StorageType: 'StandardStorage',
        aws_dimension_BucketName: 'try.alerta.io',
      },
      annotations: {
        description: 'bucket bytes size exceeded',
        state_reason:
          'Threshold Crossed: 1 datapoint [1062305.0 (14/02/19 23:53:00)] was greater than or equal to the threshold (0.0).',
        subject: 'ALARM: "bucketbytesAlarm" in EU (Ireland)',
      },
      providerData: {
        region: 'eu-west-1',
        regionName: 'EU (Ireland)',
        accountId: '1234567890',
        alarmName: 'bucketbytesAlarm',
        alarmArn: '',
        resourceType: 'S3Bucket',
        resourceId: 'try.alerta.io',
        metricName: 'BucketSizeBytes',
        metricNamespace: 'AWS/S3',
        dimensions: { StorageType: 'StandardStorage', BucketName: 'try.alerta.io' },
        threshold: 0,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        oldState: 'INSUFFICIENT_DATA',
        newState: 'ALARM',
        topicArn: 'arn:aws:sns:eu-west-1:1234567890:alerta-test',
        messageId: 'e288882d-4281-5be4-8fde-dccc11c8cb01',
      },
      originalPayload: envelope,
      deliveryKey: 'e288882d-4281-5be4-8fde-dccc11c8cb01',
      fingerprintInput: null,
    });
    expect(SignalDraftSchema.parse(signal)).toEqual(signal);
    expect(fingerprintOf(signal)).toEqual({
      input: 'bucketbytesAlarm:1234567890/eu-west-1:S3Bucket:try.alerta.io',
      hash: 'd1a726dc25de332475640b0d8c1eb3de0a884887c052d57888d0d73ccf7fccfd',
    });
  });

  it('resolves the OK fixture, taking the region from AlarmArn', async () => {
    const signal = await onlySignal(readFixture('sns_notification_cloudwatch_ok.json'));

    expect(signal.status).toBe('resolved');
    expect(signal.target).toEqual({
      type: 'aws',
      kind: 'AutoScalingGroup',
      name: 'eks-6ebcce7e-400b-8a69-f0e9-d9e14bb635d2',
      scope: '257706363616/ap-northeast-1',
    });
    expect(signal.providerData).toMatchObject({
      region: 'ap-northeast-1',
      regionName: 'Asia Pacific (Tokyo)',
      alarmArn: 'arn:aws:cloudwatch:ap-northeast-1:257706363616:alarm:ec2CPUUtilization',
      threshold: 5.5,
      oldState: 'ALARM',
      newState: 'OK',
    });
    expect(signal.firingTime).toBe('2021-06-18T07:28:21.921Z');
    expect(signal.deliveryKey).toBe('20a65051-dd7d-5952-906e-09179028dc41');
    expect(fingerprintOf(signal).input).toBe(
      'ec2CPUUtilization:257706363616/ap-northeast-1:AutoScalingGroup:eks-6ebcce7e-400b-8a69-f0e9-d9e14bb635d2',
    );
  });

  it('ignores INSUFFICIENT_DATA by default', async () => {
    const result = await parseBody(readFixture('sns_notification_cloudwatch_insufficient_data.json'));
    expect(result).toEqual({ signals: [], ignored: [{ index: 0, reason: 'insufficient_data' }], rejected: [] });
  });

  it.each(['firing', 'resolved'] as const)('maps INSUFFICIENT_DATA to %s when configured', async (status) => {
    const fixture = readFixture('sns_notification_cloudwatch_insufficient_data.json');
    const signal = await onlySignal(fixture, { insufficientData: status });
    expect(signal.status).toBe(status);
    expect(signal.target).toEqual({
      type: 'aws',
      kind: 'SNSTopic',
      name: 'alerta-test',
      scope: '1234567890/eu-west-1',
    });
  });

  it('uses the SNS message-id header as delivery key for raw delivery', async () => {
    const alarm = readFixture<Json>('cloudwatch_alarm_message_decoded_ok.json');
    const req = jsonRequest(alarm);
    req.headers['x-amz-sns-message-id'] = 'raw-message-1';
    const result = await parse(req);
    const signal = result.signals[0]!;

    expect(signal.deliveryKey).toBe('raw-message-1');
    expect(signal.originalPayload).toEqual(alarm);
    expect(signal.annotations).toEqual({
      description: 'EC2 CPUUtilization sample',
      state_reason: alarm.NewStateReason,
    });
    expect(signal.providerData).toMatchObject({ topicArn: '', messageId: 'raw-message-1', region: 'ap-northeast-1' });
  });

  it('derives the raw-delivery key from the alarm and takes the region from its name when no ARN says it', async () => {
    const signal = await onlySignal(readFixture('cloudwatch_alarm_message_decoded_alarm.json'));

    expect(signal.deliveryKey).toBe('bucketbytesAlarm|ALARM|2019-02-15T23:53:45.093+0000');
    expect(signal.target?.scope).toBe('1234567890/eu-west-1');
  });

  it('keys a raw delivery with an AlarmArn by that ARN', async () => {
    const signal = await onlySignal(readFixture('cloudwatch_alarm_message_decoded_ok.json'));
    expect(signal.deliveryKey).toBe(
      'arn:aws:cloudwatch:ap-northeast-1:257706363616:alarm:ec2CPUUtilization|OK|2021-06-18T07:28:21.921+0000',
    );
  });

  it.each([
    [
      'a Container Insights pod',
      [
        ['ClusterName', 'prod-eks'],
        ['Namespace', 'shop'],
        ['PodName', 'cart'],
        ['FullPodName', 'cart-7d9f-abcde'],
      ],
      { type: 'kubernetes', kind: 'Pod', name: 'cart-7d9f-abcde', namespace: 'shop', scope: 'shop' },
      'shop',
      'prod-eks',
    ],
    [
      'a Container Insights pod known only by PodName',
      [
        ['ClusterName', 'prod-eks'],
        ['Namespace', 'shop'],
        ['PodName', 'cart'],
      ],
      { type: 'kubernetes', kind: 'Pod', name: 'cart', namespace: 'shop', scope: 'shop' },
      'shop',
      'prod-eks',
    ],
    [
      'a Container Insights service',
      [
        ['ClusterName', 'prod-eks'],
        ['Namespace', 'shop'],
        ['Service', 'checkout'],
      ],
      { type: 'kubernetes', kind: 'Service', name: 'checkout', namespace: 'shop', scope: 'shop' },
      'shop',
      'prod-eks',
    ],
    [
      'a Container Insights node',
      [
        ['ClusterName', 'prod-eks'],
        ['NodeName', 'ip-10-0-0-1.ec2.internal'],
      ],
      { type: 'kubernetes', kind: 'Node', name: 'ip-10-0-0-1.ec2.internal', scope: '' },
      '',
      'prod-eks',
    ],
    [
      'a Container Insights cluster-wide metric',
      [['ClusterName', 'prod-eks']],
      { type: 'aws', kind: 'ClusterName', name: 'prod-eks', scope: '1234567890/eu-west-1' },
      '',
      '',
    ],
  ])('targets %s', async (_case, dimensions, target, namespace, clusterId) => {
    const alarm = alarmWith({
      MetricName: 'pod_cpu_utilization',
      Namespace: 'ContainerInsights',
      Dimensions: dimensions.map(([name, value]) => ({ name, value })),
    });
    const signal = await onlySignal(envelopeWith(alarm));
    expect([signal.target, signal.namespace, signal.clusterId]).toEqual([target, namespace, clusterId]);
  });

  it.each([
    ['InstanceId', 'EC2Instance'],
    ['AutoScalingGroupName', 'AutoScalingGroup'],
    ['DBInstanceIdentifier', 'RDSInstance'],
    ['DBClusterIdentifier', 'RDSCluster'],
    ['LoadBalancer', 'LoadBalancer'],
    ['LoadBalancerName', 'ClassicLoadBalancer'],
    ['TargetGroup', 'TargetGroup'],
    ['FunctionName', 'LambdaFunction'],
    ['QueueName', 'SQSQueue'],
    ['TopicName', 'SNSTopic'],
    ['TableName', 'DynamoDBTable'],
    ['BucketName', 'S3Bucket'],
  ])('names the %s dimension a %s, ahead of other dimensions', async (dimension, kind) => {
    const alarm = alarmWith({
      Namespace: 'AWS/X',
      Dimensions: [
        { name: 'Other', value: 'o' },
        { name: dimension, value: 'res-1' },
      ],
    });
    const signal = await onlySignal(envelopeWith(alarm));
    expect(signal.target).toEqual({ type: 'aws', kind, name: 'res-1', scope: '1234567890/eu-west-1' });
  });

  it('applies the rules in table order, not dimension order', async () => {
    const alarm = alarmWith({
      Dimensions: [
        { name: 'FunctionName', value: 'fn' },
        { name: 'InstanceId', value: 'i-1' },
      ],
    });
    expect((await onlySignal(envelopeWith(alarm))).target?.kind).toBe('EC2Instance');
  });

  it('names an ECS service by cluster and service', async () => {
    const alarm = alarmWith({
      Namespace: 'AWS/ECS',
      Dimensions: [
        { name: 'ServiceName', value: 'web' },
        { name: 'ClusterName', value: 'apps' },
      ],
    });
    expect((await onlySignal(envelopeWith(alarm))).target).toEqual({
      type: 'aws',
      kind: 'ECSService',
      name: 'apps/web',
      scope: '1234567890/eu-west-1',
    });
  });

  it('falls back to the first dimension, then to the alarm itself', async () => {
    const dimension = alarmWith({ Dimensions: [{ name: 'ApiName', value: 'orders' }] });
    expect((await onlySignal(envelopeWith(dimension))).target?.kind).toBe('ApiName');
    const none = await onlySignal(envelopeWith(alarmWith({ MetricName: 'Errors', Dimensions: [] })));
    expect(none.target).toEqual({
      type: 'aws',
      kind: 'CloudWatchAlarm',
      name: 'bucketbytesAlarm',
      scope: '1234567890/eu-west-1',
    });
    expect(none.providerData.dimensions).toEqual({});
  });

  it('reads the metric of a metric-math alarm from its first MetricStat', async () => {
    const alarm = alarmWith({
      Metrics: [
        { Id: 'e1', Expression: 'm1 * 100' },
        {
          Id: 'm1',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/EC2',
              MetricName: 'CPUUtilization',
              Dimensions: [{ name: 'InstanceId', value: 'i-9' }],
            },
            Stat: 'Maximum',
          },
        },
      ],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 90,
    });
    const signal = await onlySignal(envelopeWith(alarm));
    expect(signal.target?.name).toBe('i-9');
    expect(signal.labels).toMatchObject({
      metric_namespace: 'AWS/EC2',
      metric_name: 'CPUUtilization',
      statistic: 'Maximum',
      aws_dimension_InstanceId: 'i-9',
    });
  });

  it('maps severity through severityMap from the default, since alarms carry none', async () => {
    const result = await cloudwatchSource.parse(
      jsonRequest(readFixture('sns_notification_cloudwatch_alarm.json')),
      sourceContext(cloudwatchSource, { settings: { defaultSeverity: 'high' } }),
    );
    expect(result.signals[0]!.severity).toBe('high');
  });

  it.each([
    ['a Message that is not JSON', { ...envelopeWith({}), Message: 'CPU high' }, '/Message'],
    ['a Message without AlarmName', envelopeWith({ NewStateValue: 'ALARM' }), '/Message'],
    ['a Message without NewStateValue', envelopeWith({ AlarmName: 'a' }), '/Message'],
  ])('refuses %s', async (_case, body, pointer) => {
    const error = await parseError(jsonRequest(body));
    expect([error.message, error.pointer]).toEqual([
      'Message must be a CloudWatch alarm (JSON with AlarmName and NewStateValue): subscribe an alarm to the topic',
      pointer,
    ]);
  });

  it('refuses an unknown NewStateValue', async () => {
    const error = await parseError(jsonRequest(envelopeWith(alarmWith({}, { NewStateValue: 'PENDING' }))));
    expect([error.message, error.pointer]).toEqual([
      'NewStateValue must be ALARM, OK or INSUFFICIENT_DATA',
      '/Message',
    ]);
  });

  it('refuses a Message that is not a string as not an alarm', async () => {
    const error = await parseError(jsonRequest({ ...envelopeWith({}), Message: 3 }));
    expect(error.pointer).toBe('/Message');
  });

  it('refuses a body that is neither envelope nor alarm, and an envelope of an unknown Type', async () => {
    expect((await parseError(jsonRequest([1]))).message).toBe('body must be an SNS message JSON object');
    const unknown = await parseError(jsonRequest({ ...envelopeWith({}), Type: 'Other' }));
    expect([unknown.message, unknown.pointer]).toEqual([
      'Type must be Notification, SubscriptionConfirmation or UnsubscribeConfirmation: send SNS HTTP/S deliveries here',
      '/Type',
    ]);
  });

  it('refuses a header Type that disagrees with the body', async () => {
    const req = jsonRequest(readFixture('sns_notification_cloudwatch_alarm.json'));
    req.headers['x-amz-sns-message-type'] = 'UnsubscribeConfirmation';
    expect((await parseError(req)).message).toBe('x-amz-sns-message-type header does not match the body Type');
  });

  it('refuses to parse a subscription confirmation, which the handshake answers', async () => {
    const error = await parseError(jsonRequest(readFixture('sns_subscription_confirmation.json')));
    expect(error.message).toBe('SubscriptionConfirmation carries no alarm; only Notification messages do');
  });

  it('parses a text/plain body from its raw bytes', async () => {
    const req = jsonRequest(readFixture('sns_notification_cloudwatch_alarm.json'));
    const { json: _json, ...raw } = { ...req, headers: { 'content-type': 'text/plain; charset=UTF-8' } };
    expect((await parse(raw)).signals[0]!.signalName).toBe('bucketbytesAlarm');
  });
});

describe('cloudwatchSource definition', () => {
  it('declares SNS content types, signature auth and 503 for rate limits', () => {
    expect([
      cloudwatchSource.type,
      cloudwatchSource.signalSource,
      cloudwatchSource.contentTypes,
      cloudwatchSource.defaultAuthMode,
      cloudwatchSource.rateLimitStatus,
    ]).toEqual(['cloudwatch', 'aws-cloudwatch', ['application/json', 'text/plain'], 'signature', 503]);
  });

  it('fills the documented defaults and refuses an invalid pattern or age', () => {
    expect(parseOptions(cloudwatchSource, undefined)).toEqual({
      topicArns: [],
      autoConfirmSubscriptions: true,
      maxMessageAge: 3_600_000,
      certHostPattern: '^sns\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?$',
      insufficientData: 'ignore',
    });
    expect(() => parseOptions(cloudwatchSource, { certHostPattern: '(' })).toThrow(/regular expression/);
    expect(() => parseOptions(cloudwatchSource, { maxMessageAge: 7_200_000 })).toThrow(/maxMessageAge/);
  });
});
