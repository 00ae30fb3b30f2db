import type { JsonObject } from '../input/json-object.js';
import { isJsonObject } from '../input/json-object.js';
import { jsonPointer } from '../input/json-pointer.js';
import { asString } from '../input/string-field.js';
import { readStringMap } from '../input/string-map.js';
import { SourceInputError } from '../source-definition.js';

/** The group-level part of an Alertmanager webhook v4 body (docs/signals-and-sources.md), validated. */
export interface AlertmanagerWebhook {
  body: JsonObject;
  alerts: unknown[];
  groupKey: string;
  receiver: string;
  externalURL: string;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  truncatedAlerts: number;
}

const SUPPORTED_VERSIONS: readonly string[] = ['4'];

/**
 * Throws `SourceInputError` for anything that makes the whole delivery unusable. Grafana sends the same body
 * with its own version numbers, hence `versions`.
 */
export function readAlertmanagerWebhook(body: unknown, versions = SUPPORTED_VERSIONS): AlertmanagerWebhook {
  if (!isJsonObject(body)) throw new SourceInputError('body must be an Alertmanager webhook JSON object');
  if (body.version !== undefined && !versions.includes(body.version as string)) {
    const accepted = versions.map((version) => JSON.stringify(version)).join(' or ');
    throw new SourceInputError(
      `unsupported webhook version ${JSON.stringify(body.version)}: only version ${accepted} is accepted`,
      '/version',
    );
  }
  const alerts = body.alerts;
  if (!Array.isArray(alerts) || alerts.length === 0)
    throw new SourceInputError('no alerts in webhook payload', '/alerts');
  const truncated = body.truncatedAlerts;
  return {
    body,
    alerts,
    groupKey: asString(body.groupKey) ?? '',
    receiver: asString(body.receiver) ?? '',
    externalURL: asString(body.externalURL) ?? '',
    commonLabels: readCommonMap(body.commonLabels, 'commonLabels'),
    commonAnnotations: readCommonMap(body.commonAnnotations, 'commonAnnotations'),
    truncatedAlerts: typeof truncated === 'number' && Number.isInteger(truncated) && truncated > 0 ? truncated : 0,
  };
}

function readCommonMap(value: unknown, field: 'commonLabels' | 'commonAnnotations'): Record<string, string> {
  const result = readStringMap(value);
  if (result.ok) return result.value;
  if (result.key === undefined) throw new SourceInputError(`${field} must be an object of strings`, jsonPointer(field));
  throw new SourceInputError(`${field}.${result.key} must be a string`, jsonPointer(field, result.key));
}
