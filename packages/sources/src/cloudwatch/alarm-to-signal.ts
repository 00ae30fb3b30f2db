import type { SignalDraft, SignalStatus } from '@gateway/contracts';
import type { JsonObject } from '../input/json-object.js';
import { asString } from '../input/string-field.js';
import { normalizeSeverity } from '../normalize/severity.js';
import { limitAnnotationValues, limitLabelValues, limitSignalName } from '../normalize/text-limits.js';
import { normalizeTimestamp } from '../normalize/timestamp.js';
import type { IgnoredItem, SourceContext } from '../source-definition.js';
import { SourceInputError } from '../source-definition.js';
import { alarmTarget } from './alarm-target.js';
import { awsRegionCode, awsRegionName } from './aws-regions.js';
import type { CloudwatchAlarm } from './cloudwatch-alarm.js';
import type { CloudwatchOptions } from './cloudwatch-options.js';

/** Where the alarm came from: inside a signed envelope, or raw delivery with only SNS's headers around it. */
export type AlarmCarrier =
  | { kind: 'envelope'; envelope: JsonObject }
  | { kind: 'raw'; headers: Readonly<Record<string, string>> };

export type AlarmOutcome = { outcome: 'signal'; signal: SignalDraft } | { outcome: 'ignored'; ignored: IgnoredItem };

/** The delivery carries one alarm, so it is item 0. */
const INDEX = 0;

/** One CloudWatch alarm state change → one signal (docs/signals-and-sources.md#aws-cloudwatch-alarms-via-sns). */
export function alarmToSignal(
  alarm: CloudwatchAlarm,
  carrier: AlarmCarrier,
  ctx: SourceContext<CloudwatchOptions>,
): AlarmOutcome {
  const status = alarmStatus(alarm, carrier, ctx.options);
  if (status === 'ignore') return { outcome: 'ignored', ignored: { index: INDEX, reason: 'insufficient_data' } };

  const envelope = carrier.kind === 'envelope' ? carrier.envelope : undefined;
  const topicArn = asString(envelope?.TopicArn) ?? '';
  const region = arnRegion(alarm.alarmArn) || arnRegion(topicArn) || (awsRegionCode(alarm.regionName) ?? '');
  const { target, namespace, clusterId } = alarmTarget(alarm, alarm.accountId, region);
  const messageId =
    carrier.kind === 'envelope'
      ? (asString(envelope?.MessageId) ?? '')
      : (carrier.headers['x-amz-sns-message-id'] ?? '');
  const dimensions = Object.fromEntries(alarm.dimensions.map(({ name, value }) => [name, value]));
  const subject = asString(envelope?.Subject) ?? '';
  const firingTime = normalizeTimestamp(alarm.stateChangeTime);

  const signal: SignalDraft = {
    index: INDEX,
    source: ctx.name,
    sourceType: ctx.sourceType,
    signalSource: ctx.signalSource,
    status,
    signalName: limitSignalName(alarm.alarmName),
    // Alarms carry no severity, so every one gets the source's `defaultSeverity`.
    severity: normalizeSeverity(undefined, ctx.settings),
    namespace,
    target,
    clusterId,
    ...(firingTime ? { firingTime } : {}),
    labels: limitLabelValues(
      withoutEmpty({
        alarm_name: alarm.alarmName,
        aws_account_id: alarm.accountId,
        aws_region: region,
        metric_namespace: alarm.metricNamespace,
        metric_name: alarm.metricName,
        statistic: alarm.statistic,
        comparison_operator: alarm.comparisonOperator,
        ...Object.fromEntries(alarm.dimensions.map(({ name, value }) => [`aws_dimension_${name}`, value])),
      }),
    ),
    annotations: limitAnnotationValues(
      withoutEmpty({ description: alarm.description, state_reason: alarm.stateReason, subject }),
    ),
    providerData: {
      region,
      regionName: awsRegionName(region) ?? alarm.regionName,
      accountId: alarm.accountId,
      alarmName: alarm.alarmName,
      alarmArn: alarm.alarmArn,
      resourceType: target.kind,
      resourceId: target.name,
      metricName: alarm.metricName,
      metricNamespace: alarm.metricNamespace,
      dimensions,
      threshold: alarm.threshold,
      comparisonOperator: alarm.comparisonOperator,
      oldState: alarm.oldState,
      newState: alarm.newState,
      topicArn,
      messageId,
    },
    originalPayload: envelope ?? alarm.body,
    deliveryKey: messageId || `${alarm.alarmArn || alarm.alarmName}|${alarm.newState}|${alarm.stateChangeTime}`,
    fingerprintInput: null,
  };
  return { outcome: 'signal', signal };
}

function alarmStatus(
  alarm: CloudwatchAlarm,
  carrier: AlarmCarrier,
  options: CloudwatchOptions,
): SignalStatus | 'ignore' {
  switch (alarm.newState) {
    case 'ALARM':
      return 'firing';
    case 'OK':
      return 'resolved';
    case 'INSUFFICIENT_DATA':
      return options.insufficientData;
    default:
      throw new SourceInputError(
        'NewStateValue must be ALARM, OK or INSUFFICIENT_DATA',
        carrier.kind === 'envelope' ? '/Message' : '/NewStateValue',
      );
  }
}

/** `arn:<partition>:<service>:<region>:<account>:…` → region, `""` when absent. */
function arnRegion(arn: string): string {
  return arn.split(':')[3] ?? '';
}

function withoutEmpty(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).filter(([, value]) => value !== ''));
}
