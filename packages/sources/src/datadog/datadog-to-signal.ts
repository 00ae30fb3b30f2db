import type { SignalDraft, SignalStatus } from '@gateway/contracts';
import { formatTimestamp } from '@gateway/contracts';
import { normalizeSeverity } from '../normalize/severity.js';
import { limitAnnotationValues, limitLabelValues, limitSignalName } from '../normalize/text-limits.js';
import type { SourceContext } from '../source-definition.js';
import type { DatadogOptions } from './datadog-options.js';
import type { DatadogPayload } from './datadog-payload.js';
import { parseDatadogTags } from './datadog-tags.js';
import { datadogTarget } from './datadog-target.js';

/** `$EVENT_TITLE` prefixes such as `[P1] [Triggered on {host:web-01}]` change per transition; the rest is the monitor. */
const TITLE_PREFIX = /^(\s*\[[^\]]*\])+\s*/;

/** Markdown fences Datadog wraps `$EVENT_MSG` in; they are formatting, not content. */
const MARKDOWN_FENCE = '%%%';

/** One webhook body is one signal (docs/signals-and-sources.md#datadog), always item 0. */
export function datadogToSignal(
  payload: DatadogPayload,
  status: SignalStatus,
  ctx: SourceContext<DatadogOptions>,
): SignalDraft {
  const tags = parseDatadogTags(payload.scopes, payload.tags);
  const target = datadogTarget({
    tags: tags.values,
    hostname: payload.hostname,
    monitorId: payload.monitorId,
    orgId: payload.orgId,
  });
  const monitorName = payload.title.replace(TITLE_PREFIX, '').trim();
  const firingTime = epochMillis(payload.date);
  return {
    index: 0,
    source: ctx.name,
    sourceType: ctx.sourceType,
    signalSource: ctx.signalSource,
    status,
    signalName: limitSignalName(monitorName || `datadog-monitor-${payload.monitorId}`),
    severity: normalizeSeverity(payload.severity || payload.alertType, ctx.settings),
    namespace: target.namespace ?? '',
    target,
    clusterId: tags.values.kube_cluster_name ?? '',
    ...(firingTime ? { firingTime } : {}),
    // Built-in keys come first in the required template, so on a clash the payload field beats a tag.
    labels: limitLabelValues({
      ...tags.values,
      ...nonEmpty({
        monitor_id: payload.monitorId,
        alert_transition: payload.alertTransition,
        alert_type: payload.alertType,
        priority: payload.severity,
        org_id: payload.orgId,
      }),
    }),
    annotations: limitAnnotationValues(
      nonEmpty({
        title: payload.title,
        body: withoutFences(payload.eventBody),
        alert_status: payload.alertStatus,
        alert_query: payload.alertQuery,
        url: payload.url,
      }),
    ),
    providerData: {
      monitorId: numericId(payload.monitorId),
      monitorName,
      alertCycleKey: payload.alertCycleKey,
      aggregKey: payload.aggregKey,
      eventId: payload.id,
      transition: payload.alertTransition,
      metricQuery: payload.alertQuery,
      metric: payload.alertMetric,
      host: payload.hostname || (tags.values.host ?? ''),
      tags: tags.all,
      datadogURL: payload.url,
      orgId: payload.orgId,
      orgName: payload.orgName,
    },
    originalPayload: payload.body,
    // `$ID` is the notification's event id: equal on Datadog's retries, new for every notification.
    deliveryKey: payload.id,
    fingerprintInput: null,
  };
}

/** `$DATE` is epoch milliseconds as a string. */
function epochMillis(value: string): string | undefined {
  if (!/^\d+$/.test(value)) return undefined;
  const millis = Number(value);
  return Number.isSafeInteger(millis) ? formatTimestamp(millis) : undefined;
}

/** Monitor ids are numbers in Datadog's API; keep the text when a template sent something else. */
function numericId(value: string): number | string {
  const id = Number(value);
  return /^\d+$/.test(value) && Number.isSafeInteger(id) ? id : value;
}

function withoutFences(body: string): string {
  return body
    .split('\n')
    .filter((line) => line.trim() !== MARKDOWN_FENCE)
    .join('\n')
    .trim();
}

function nonEmpty(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).filter(([, value]) => value !== ''));
}
