import type { JsonObject } from '../input/json-object.js';
import { isJsonObject } from '../input/json-object.js';
import { asString } from '../input/string-field.js';
import { SourceInputError } from '../source-definition.js';

export const COMMON_ALERT_SCHEMA_ID = 'azureMonitorCommonAlertSchema';

export interface AzureDimension {
  name: string;
  value: string;
}

export interface AzureCondition {
  metricName: string;
  metricNamespace: string;
  operator: string;
  /** As sent: Azure writes thresholds as strings and values as numbers. */
  threshold: unknown;
  metricValue: unknown;
  dimensions: AzureDimension[];
  /** Log alerts: the portal link, filtered to this dimension combination when Azure offers that. */
  searchResultsUrl: string;
}

/**
 * The parts of a common-alert-schema notification the mapping reads
 * (docs/signals-and-sources.md#azure-monitor-common-alert-schema).
 */
export interface AzureAlert {
  body: JsonObject;
  alertId: string;
  alertRule: string;
  severity: string;
  signalType: string;
  monitorCondition: string;
  monitoringService: string;
  /** `essentials.alertTargetIDs[0]` as sent, `""` when absent. */
  targetId: string;
  originAlertId: string;
  firedDateTime: string;
  resolvedDateTime: string;
  description: string;
  alertContext: JsonObject;
  /** `customProperties`, else `alertContext.properties`; string values only. */
  properties: Record<string, string>;
  conditionType: string;
  windowStartTime: string;
  windowEndTime: string;
  conditions: AzureCondition[];
}

export function readAzureAlert(body: unknown): AzureAlert {
  if (!isJsonObject(body)) throw new SourceInputError('body must be an Azure Monitor alert JSON object');
  if (body.schemaId !== COMMON_ALERT_SCHEMA_ID) {
    throw new SourceInputError(
      `schemaId must be ${COMMON_ALERT_SCHEMA_ID}: enable the common alert schema on the action group`,
      '/schemaId',
    );
  }
  const data = isJsonObject(body.data) ? body.data : undefined;
  const essentials = data && isJsonObject(data.essentials) ? data.essentials : undefined;
  if (data === undefined || essentials === undefined) {
    throw new SourceInputError('data.essentials is required in a common alert schema body', '/data/essentials');
  }
  const alertRule = asString(essentials.alertRule);
  if (!alertRule) throw new SourceInputError('data.essentials.alertRule is required', '/data/essentials/alertRule');
  const alertContext = isJsonObject(data.alertContext) ? data.alertContext : {};
  const condition = isJsonObject(alertContext.condition) ? alertContext.condition : {};
  const targetIds = Array.isArray(essentials.alertTargetIDs) ? essentials.alertTargetIDs : [];
  return {
    body,
    alertId: text(essentials.alertId),
    alertRule,
    severity: text(essentials.severity),
    signalType: text(essentials.signalType),
    monitorCondition: text(essentials.monitorCondition),
    monitoringService: text(essentials.monitoringService),
    targetId: text(targetIds[0]),
    originAlertId: text(essentials.originAlertId),
    firedDateTime: text(essentials.firedDateTime),
    resolvedDateTime: text(essentials.resolvedDateTime),
    description: text(essentials.description),
    alertContext,
    properties: stringEntries(isJsonObject(data.customProperties) ? data.customProperties : alertContext.properties),
    conditionType: text(alertContext.conditionType),
    windowStartTime: text(condition.windowStartTime),
    windowEndTime: text(condition.windowEndTime),
    conditions: Array.isArray(condition.allOf) ? condition.allOf.filter(isJsonObject).map(readCondition) : [],
  };
}

function readCondition(condition: JsonObject): AzureCondition {
  const dimensions = Array.isArray(condition.dimensions) ? condition.dimensions.filter(isJsonObject) : [];
  return {
    metricName: text(condition.metricName),
    metricNamespace: text(condition.metricNamespace),
    operator: text(condition.operator),
    threshold: condition.threshold ?? null,
    metricValue: condition.metricValue ?? null,
    dimensions: dimensions.flatMap((dimension) => {
      const name = asString(dimension.name);
      const value = asString(dimension.value);
      return name && value !== undefined ? [{ name, value }] : [];
    }),
    searchResultsUrl: text(condition.linkToFilteredSearchResultsUI) || text(condition.linkToSearchResultsUI),
  };
}

/** Activity-log properties mix strings with objects and nulls; only the strings fit labels. */
function stringEntries(value: unknown): Record<string, string> {
  if (!isJsonObject(value)) return {};
  return Object.fromEntries(
    Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

function text(value: unknown): string {
  return asString(value) ?? '';
}
