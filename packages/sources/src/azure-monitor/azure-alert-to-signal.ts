import type { SignalDraft, SignalStatus, Target } from '@gateway/contracts';
import { isJsonObject } from '../input/json-object.js';
import { asString } from '../input/string-field.js';
import { normalizeSeverity } from '../normalize/severity.js';
import { limitAnnotationValues, limitLabelValues, limitSignalName } from '../normalize/text-limits.js';
import { normalizeTimestamp } from '../normalize/timestamp.js';
import { handleUnresolvedTarget } from '../normalize/unresolved-target.js';
import type { RejectedItem, SourceContext } from '../source-definition.js';
import { SourceInputError } from '../source-definition.js';
import { parseArmResourceId } from './arm-resource-id.js';
import type { AzureAlert } from './azure-alert.js';
import type { AzureMonitorOptions } from './azure-monitor-options.js';
import { azureTarget } from './azure-target.js';

export type AzureAlertOutcome =
  | { outcome: 'signal'; signal: SignalDraft; unresolvedTarget: boolean }
  | { outcome: 'rejected'; rejected: RejectedItem };

/** The body carries one alert, so it is item 0. */
const INDEX = 0;
const ACTIVITY_LOG = 'Activity Log';
const SERVICE_HEALTH = 'ServiceHealth';
/** Kubernaut's placeholder scope, so alerts without a usable target fingerprint like theirs. */
const UNRESOLVED_SCOPE = 'default';

/** One common-alert-schema notification → one signal (docs/signals-and-sources.md). */
export function azureAlertToSignal(alert: AzureAlert, ctx: SourceContext<AzureMonitorOptions>): AzureAlertOutcome {
  const status = azureStatus(alert);
  const resource = parseArmResourceId(alert.targetId);
  const dimensions = alert.conditions.flatMap((condition) => condition.dimensions);

  let target: Target | undefined;
  let namespace = '';
  let clusterId = '';
  let unresolvedTarget = false;
  if (resource) {
    ({ target, namespace, clusterId } = azureTarget(resource, dimensions));
  } else {
    const missing = handleUnresolvedTarget(status, ctx.settings, UNRESOLVED_SCOPE);
    if (missing.action === 'reject') {
      return {
        outcome: 'rejected',
        rejected: {
          index: INDEX,
          pointer: '/data/essentials/alertTargetIDs',
          message: 'data.essentials.alertTargetIDs[0] must be an Azure resource id: alert on a resource',
        },
      };
    }
    if (missing.action === 'accept') {
      target = missing.target;
      unresolvedTarget = true;
    }
  }

  const firingTime = normalizeTimestamp(alert.firedDateTime);
  const activityOperation = alert.signalType === ACTIVITY_LOG ? (asString(alert.alertContext.operationName) ?? '') : '';
  const signal: SignalDraft = {
    index: INDEX,
    source: ctx.name,
    sourceType: ctx.sourceType,
    signalSource: ctx.signalSource,
    status,
    signalName: limitSignalName(alert.alertRule),
    severity: normalizeSeverity(alert.severity, ctx.settings),
    namespace,
    ...(target ? { target } : {}),
    clusterId,
    ...(firingTime ? { firingTime } : {}),
    // Built-in keys last, so a custom property or dimension of the same name cannot disguise the alert.
    labels: limitLabelValues({
      ...alert.properties,
      ...Object.fromEntries(dimensions.map(({ name, value }) => [name, value])),
      ...withoutEmpty({
        alert_rule: alert.alertRule,
        signal_type: alert.signalType,
        monitoring_service: alert.monitoringService,
        azure_subscription: resource?.subscriptionId ?? '',
        azure_resource_group: resource?.resourceGroup ?? '',
        azure_resource_type: resource?.kind ?? '',
      }),
    }),
    annotations: limitAnnotationValues(
      withoutEmpty({
        description: alert.description,
        search_results_url: alert.conditions.find((condition) => condition.searchResultsUrl)?.searchResultsUrl ?? '',
        activity_operation: activityOperation,
      }),
    ),
    providerData: {
      alertId: alert.alertId,
      originAlertId: alert.originAlertId,
      subscriptionId: resource?.subscriptionId ?? '',
      resourceGroup: resource?.resourceGroup ?? '',
      resourceId: alert.targetId,
      resourceType: resource?.kind ?? '',
      monitoringService: alert.monitoringService,
      signalType: alert.signalType,
      conditionType: alert.conditionType,
      windowStartTime: alert.windowStartTime,
      windowEndTime: alert.windowEndTime,
      conditions: alert.conditions.map((condition) => ({
        metricName: condition.metricName,
        metricNamespace: condition.metricNamespace,
        operator: condition.operator,
        threshold: condition.threshold,
        metricValue: condition.metricValue,
        dimensions: Object.fromEntries(condition.dimensions.map(({ name, value }) => [name, value])),
      })),
    },
    originalPayload: alert.body,
    deliveryKey: [
      alert.alertId,
      alert.monitorCondition,
      alert.monitorCondition === 'Resolved' ? alert.resolvedDateTime : alert.firedDateTime,
    ].join('|'),
    fingerprintInput: null,
  };
  return { outcome: 'signal', signal, unresolvedTarget };
}

/**
 * Activity-log alerts are stateless, so `monitorCondition` stays `Fired`; only a Service Health communication
 * says in its `stage` that the incident is over.
 */
function azureStatus(alert: AzureAlert): SignalStatus {
  if (alert.signalType === ACTIVITY_LOG) {
    const properties = isJsonObject(alert.alertContext.properties) ? alert.alertContext.properties : {};
    return alert.monitoringService === SERVICE_HEALTH && properties.stage === 'Resolved' ? 'resolved' : 'firing';
  }
  if (alert.monitorCondition === 'Fired') return 'firing';
  if (alert.monitorCondition === 'Resolved') return 'resolved';
  throw new SourceInputError(
    'data.essentials.monitorCondition must be Fired or Resolved',
    '/data/essentials/monitorCondition',
  );
}

function withoutEmpty(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).filter(([, value]) => value !== ''));
}
