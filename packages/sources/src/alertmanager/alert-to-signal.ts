import type { SignalDraft, Target } from '@gateway/contracts';
import { SignalStatusSchema } from '@gateway/contracts';
import { isJsonObject } from '../input/json-object.js';
import { jsonPointer } from '../input/json-pointer.js';
import { asString } from '../input/string-field.js';
import { readStringMap } from '../input/string-map.js';
import { normalizeSeverity } from '../normalize/severity.js';
import { limitAnnotationValues, limitLabelValues, limitSignalName } from '../normalize/text-limits.js';
import { normalizeTimestamp } from '../normalize/timestamp.js';
import { handleUnresolvedTarget } from '../normalize/unresolved-target.js';
import type { RejectedItem, SourceContext } from '../source-definition.js';
import { alertDeliveryKey } from './alert-delivery-key.js';
import { alertNamespace, findAlertResource, isClusterScopedKind } from './alert-target.js';
import type { AlertmanagerOptions } from './alertmanager-options.js';
import type { AlertmanagerWebhook } from './alertmanager-webhook.js';

export type AlertOutcome =
  | { outcome: 'signal'; signal: SignalDraft; unresolvedTarget: boolean }
  | { outcome: 'rejected'; rejected: RejectedItem };

/** One element of `alerts[]` → one signal (docs/signals-and-sources.md); the group `status` is deliberately ignored. */
export function alertToSignal(
  webhook: AlertmanagerWebhook,
  index: number,
  ctx: SourceContext<AlertmanagerOptions>,
): AlertOutcome {
  const at = `alerts[${index}]`;
  const reject = (message: string, ...path: string[]): AlertOutcome => ({
    outcome: 'rejected',
    rejected: { index, pointer: jsonPointer('alerts', index, ...path), message },
  });
  const rejectMap = (field: 'labels' | 'annotations', key: string | undefined): AlertOutcome =>
    key === undefined
      ? reject(`${at}.${field} must be an object of strings`, field)
      : reject(`${at}.${field}.${key} must be a string`, field, key);

  const alert = webhook.alerts[index];
  if (!isJsonObject(alert)) return reject(`${at} must be an object`);
  const parsedStatus = SignalStatusSchema.safeParse(alert.status);
  if (!parsedStatus.success) {
    return reject(`${at}.status must be "firing" or "resolved", got ${JSON.stringify(alert.status ?? null)}`, 'status');
  }
  const status = parsedStatus.data;
  const ownLabels = readStringMap(alert.labels);
  if (!ownLabels.ok) return rejectMap('labels', ownLabels.key);
  const ownAnnotations = readStringMap(alert.annotations);
  if (!ownAnnotations.ok) return rejectMap('annotations', ownAnnotations.key);

  // Common values win on conflict (docs/signals-and-sources.md), so every alert of a group agrees on group-wide labels.
  const labels = { ...ownLabels.value, ...webhook.commonLabels };
  const annotations = { ...ownAnnotations.value, ...webhook.commonAnnotations };
  const alertname = labels.alertname;
  if (!alertname) return reject(`${at}.labels.alertname is required`, 'labels', 'alertname');

  const resource = findAlertResource(labels, ctx.options.resourceLabels);
  const namespace = alertNamespace(labels, resource?.kind);
  let target: Target | undefined;
  let unresolvedTarget = false;
  if (resource) {
    target = isClusterScopedKind(resource.kind)
      ? { type: 'kubernetes', kind: resource.kind, name: resource.name, scope: '' }
      : { type: 'kubernetes', kind: resource.kind, name: resource.name, namespace, scope: namespace };
  } else {
    const missing = handleUnresolvedTarget(status, ctx.settings, namespace);
    if (missing.action === 'reject') {
      const names = ctx.options.resourceLabels.map((entry) => entry.label).join(', ');
      return reject(`${at}.labels names no target resource: set one of ${names} to a valid object name`, 'labels');
    }
    if (missing.action === 'accept') {
      target = missing.target;
      unresolvedTarget = true;
    }
  }

  const startsAt = asString(alert.startsAt);
  const firingTime = normalizeTimestamp(startsAt);
  const signal: SignalDraft = {
    index,
    source: ctx.name,
    sourceType: ctx.sourceType,
    signalSource: ctx.signalSource,
    status,
    signalName: limitSignalName(alertname),
    severity: normalizeSeverity(labels.severity, ctx.settings),
    namespace,
    ...(target ? { target } : {}),
    clusterId: labels[ctx.settings.clusterLabel] ?? '',
    ...(firingTime ? { firingTime } : {}),
    labels: limitLabelValues(labels),
    annotations: limitAnnotationValues(annotations),
    providerData: {
      namespace,
      resource: { kind: target?.kind ?? '', name: target?.name ?? '', namespace },
      alertmanagerURL: webhook.externalURL,
      generatorURL: asString(alert.generatorURL) ?? '',
      groupKey: webhook.groupKey,
      receiver: webhook.receiver,
      alertFingerprint: asString(alert.fingerprint) ?? '',
      startsAt: startsAt ?? '',
      endsAt: asString(alert.endsAt) ?? '',
      labels,
    },
    // The webhook reduced to this alert keeps group context (receiver, groupKey, URLs) next to the alert itself.
    originalPayload: { ...webhook.body, alerts: [alert] },
    deliveryKey: alertDeliveryKey(webhook.groupKey, alert, status, labels),
    fingerprintInput: null,
  };
  return { outcome: 'signal', signal, unresolvedTarget };
}
