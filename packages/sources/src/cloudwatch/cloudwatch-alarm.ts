import type { JsonObject } from '../input/json-object.js';
import { isJsonObject } from '../input/json-object.js';
import { asString } from '../input/string-field.js';
import { SourceInputError } from '../source-definition.js';

export interface AlarmDimension {
  name: string;
  value: string;
}

/**
 * The parts of a CloudWatch alarm state-change message the mapping reads
 * (docs/signals-and-sources.md#aws-cloudwatch-alarms-via-sns).
 */
export interface CloudwatchAlarm {
  body: JsonObject;
  alarmName: string;
  newState: string;
  oldState: string;
  alarmArn: string;
  accountId: string;
  /** The region's display name, e.g. `EU (Ireland)`. */
  regionName: string;
  description: string;
  stateReason: string;
  stateChangeTime: string;
  metricNamespace: string;
  metricName: string;
  statistic: string;
  comparisonOperator: string;
  threshold: number | null;
  dimensions: AlarmDimension[];
}

/** `pointer` locates the alarm in the delivery: `/Message` inside an envelope, `` for raw delivery. */
export function readCloudwatchAlarm(value: unknown, pointer: string): CloudwatchAlarm {
  const alarmName = isJsonObject(value) ? asString(value.AlarmName) : undefined;
  const newState = isJsonObject(value) ? asString(value.NewStateValue) : undefined;
  if (!isJsonObject(value) || !alarmName || !newState) {
    throw new SourceInputError(
      'Message must be a CloudWatch alarm (JSON with AlarmName and NewStateValue): subscribe an alarm to the topic',
      pointer,
    );
  }
  const trigger = isJsonObject(value.Trigger) ? value.Trigger : {};
  // Metric-math alarms have no top-level metric; their first MetricStat names the metric that alarmed.
  const metric = trigger.MetricName === undefined ? firstMetricStat(trigger.Metrics) : undefined;
  return {
    body: value,
    alarmName,
    newState,
    oldState: text(value.OldStateValue),
    alarmArn: text(value.AlarmArn),
    accountId: text(value.AWSAccountId),
    regionName: text(value.Region),
    description: text(value.AlarmDescription),
    stateReason: text(value.NewStateReason),
    stateChangeTime: text(value.StateChangeTime),
    metricNamespace: text(metric ? metric.metric.Namespace : trigger.Namespace),
    metricName: text(metric ? metric.metric.MetricName : trigger.MetricName),
    statistic: text(metric ? metric.stat : (trigger.Statistic ?? trigger.ExtendedStatistic)),
    comparisonOperator: text(trigger.ComparisonOperator),
    threshold: typeof trigger.Threshold === 'number' ? trigger.Threshold : null,
    dimensions: readDimensions(metric ? metric.metric.Dimensions : trigger.Dimensions),
  };
}

function firstMetricStat(metrics: unknown): { metric: JsonObject; stat: unknown } | undefined {
  if (!Array.isArray(metrics)) return undefined;
  for (const entry of metrics) {
    const metricStat = isJsonObject(entry) && isJsonObject(entry.MetricStat) ? entry.MetricStat : undefined;
    if (metricStat && isJsonObject(metricStat.Metric)) return { metric: metricStat.Metric, stat: metricStat.Stat };
  }
  return undefined;
}

/** SNS writes `{name, value}`; the CloudWatch API's `{Name, Value}` is accepted too. */
function readDimensions(value: unknown): AlarmDimension[] {
  if (!Array.isArray(value)) return [];
  const dimensions: AlarmDimension[] = [];
  for (const entry of value) {
    if (!isJsonObject(entry)) continue;
    const name = asString(entry.name ?? entry.Name);
    const dimensionValue = asString(entry.value ?? entry.Value);
    if (name && dimensionValue !== undefined) dimensions.push({ name, value: dimensionValue });
  }
  return dimensions;
}

function text(value: unknown): string {
  return asString(value) ?? '';
}
