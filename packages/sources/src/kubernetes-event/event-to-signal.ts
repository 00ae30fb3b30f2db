import type { SignalDraft, Target } from '@gateway/contracts';
import { isJsonObject } from '../input/json-object.js';
import { normalizeSeverity } from '../normalize/severity.js';
import { limitAnnotationValues, limitLabelValues, limitSignalName, truncateChars } from '../normalize/text-limits.js';
import type { IgnoredItem, RejectedItem, SourceContext } from '../source-definition.js';
import type { EventItem } from './event-items.js';
import type { EventView } from './event-view.js';
import { viewEvent } from './event-view.js';

export type EventOutcome =
  | { outcome: 'signal'; signal: SignalDraft }
  | { outcome: 'ignored'; ignored: IgnoredItem }
  | { outcome: 'rejected'; rejected: RejectedItem };

const SIGNAL_TYPES: ReadonlySet<string> = new Set(['Warning', 'Error']);
const NORMAL_TYPE = 'Normal';
const TARGET_FIELD_MAX_CHARS = 253;

const LABEL = {
  source: 'kubernaut.ai/event-source',
  type: 'kubernaut.ai/event-type',
  kind: 'kubernaut.ai/resource-kind',
} as const;

const ANNOTATION = {
  message: 'kubernaut.ai/event-message',
  count: 'kubernaut.ai/event-count',
  host: 'kubernaut.ai/source-host',
  first: 'kubernaut.ai/first-timestamp',
  last: 'kubernaut.ai/last-timestamp',
} as const;

/** One Event → one firing signal (docs/signals-and-sources.md); Events never resolve, so status is always `firing`. */
export function eventToSignal(item: EventItem, ctx: SourceContext): EventOutcome {
  const { index } = item;
  const reject = (field: string, problem: string): EventOutcome => ({
    outcome: 'rejected',
    rejected: {
      index,
      pointer: field ? `${item.pointer}/${field.replaceAll('.', '/')}` : item.pointer,
      message: `${[item.path, field].filter(Boolean).join('.') || 'body'} ${problem}`,
    },
  });

  if (!isJsonObject(item.event)) return reject('', 'must be an Event object');
  const event = viewEvent(item.event);
  if (event.type === NORMAL_TYPE) return { outcome: 'ignored', ignored: { index, reason: 'normal_event' } };
  if (event.type === undefined || !SIGNAL_TYPES.has(event.type)) {
    return reject(
      'type',
      `must be "Warning" or "Error" ("Normal" is ignored), got ${JSON.stringify(event.type ?? null)}`,
    );
  }
  if (!event.reason) return reject('reason', 'is required');
  const { kind, name } = event.involvedObject;
  if (!kind) return reject(`${event.involvedObjectField}.kind`, 'is required');
  if (!name) return reject(`${event.involvedObjectField}.name`, 'is required');

  // metadata.namespace is where the Event object lives, not where its subject lives; cluster-scoped subjects get "".
  const namespace = event.involvedObject.namespace ?? '';
  const signal: SignalDraft = {
    index,
    source: ctx.name,
    sourceType: ctx.sourceType,
    signalSource: ctx.signalSource,
    status: 'firing',
    signalName: limitSignalName(event.reason),
    severity: normalizeSeverity(event.type, ctx.settings),
    namespace,
    target: eventTarget(event, kind, name, namespace),
    // Events carry no cluster identity; only the token binding or X-Cluster-ID can supply it.
    clusterId: '',
    ...firingTime(event),
    labels: limitLabelValues(eventLabels(event, kind)),
    annotations: limitAnnotationValues(eventAnnotations(event)),
    providerData: {
      namespace,
      resource: {
        kind,
        name,
        namespace,
        apiVersion: event.involvedObject.apiVersion ?? '',
        uid: event.involvedObject.uid ?? '',
        fieldPath: event.involvedObject.fieldPath ?? '',
      },
      eventName: event.name ?? '',
      eventUid: event.uid ?? '',
      reportingComponent: event.reportingComponent ?? '',
      reportingInstance: event.reportingInstance ?? '',
      count: event.count ?? null,
      lastTimestamp: event.lastTimestamp ?? null,
    },
    originalPayload: item.event,
    deliveryKey: eventDeliveryKey(event),
    fingerprintInput: null,
  };
  return { outcome: 'signal', signal };
}

function eventTarget(event: EventView, kind: string, name: string, namespace: string): Target {
  const { apiVersion } = event.involvedObject;
  return {
    type: 'kubernetes',
    kind: truncateChars(kind, TARGET_FIELD_MAX_CHARS),
    name: truncateChars(name, TARGET_FIELD_MAX_CHARS),
    ...(namespace ? { namespace } : {}),
    ...(apiVersion ? { apiVersion } : {}),
    scope: namespace,
  };
}

function firingTime(event: EventView): { firingTime?: string } {
  const value = event.firstTimestamp ?? event.eventTime ?? event.creationTimestamp;
  return value ? { firingTime: value } : {};
}

function eventLabels(event: EventView, kind: string): Record<string, string> {
  const source = event.sourceComponent ?? event.reportingComponent;
  return {
    ...(source ? { [LABEL.source]: source } : {}),
    [LABEL.type]: (event.type ?? '').toLowerCase(),
    [LABEL.kind]: kind.toLowerCase(),
  };
}

function eventAnnotations(event: EventView): Record<string, string> {
  const annotations: Record<string, string> = {};
  if (event.message) annotations[ANNOTATION.message] = event.message;
  if (event.count !== undefined) annotations[ANNOTATION.count] = String(event.count);
  if (event.sourceHost) annotations[ANNOTATION.host] = event.sourceHost;
  if (event.firstTimestamp) annotations[ANNOTATION.first] = event.firstTimestamp;
  if (event.lastTimestamp) annotations[ANNOTATION.last] = event.lastTimestamp;
  return annotations;
}

/**
 * The apiserver bumps resourceVersion on every update of an Event, so uid|resourceVersion names exactly one
 * occurrence; without it, count and lastTimestamp change with each aggregated repeat. No uid, no identity.
 */
function eventDeliveryKey(event: EventView): string | null {
  if (!event.uid) return null;
  if (event.resourceVersion) return `${event.uid}|${event.resourceVersion}`;
  return `${event.uid}|${event.count ?? ''}|${event.lastTimestamp ?? ''}`;
}
