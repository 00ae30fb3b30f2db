import type { JsonObject } from '../input/json-object.js';
import { isJsonObject } from '../input/json-object.js';
import { SourceInputError } from '../source-definition.js';

/** The keys of the required template that carry identity; Datadog's default payload lacks most of them. */
export const DATADOG_REQUIRED_KEYS = [
  'id',
  'alert_cycle_key',
  'alert_transition',
  'monitor_id',
  'title',
  'date',
] as const;

/** One Datadog webhook body sent with the required template, with every value read as a string ('' if absent). */
export interface DatadogPayload {
  body: JsonObject;
  id: string;
  alertCycleKey: string;
  alertTransition: string;
  monitorId: string;
  title: string;
  date: string;
  severity: string;
  alertType: string;
  alertQuery: string;
  alertStatus: string;
  alertMetric: string;
  aggregKey: string;
  scopes: string;
  hostname: string;
  tags: string;
  url: string;
  eventBody: string;
  orgId: string;
  orgName: string;
}

const TEMPLATE_HINT =
  'configure the Datadog webhook payload with the gateway\'s template, which needs at least {"id":"$ID",' +
  '"alert_cycle_key":"$ALERT_CYCLE_KEY","alert_transition":"$ALERT_TRANSITION","monitor_id":"$ALERT_ID",' +
  '"title":"$EVENT_TITLE","date":"$DATE"}';

/** Throws `SourceInputError` naming every missing key, so one fix of the webhook template settles them all. */
export function readDatadogPayload(body: unknown): DatadogPayload {
  if (!isJsonObject(body)) throw new SourceInputError(`body must be a Datadog webhook JSON object; ${TEMPLATE_HINT}`);
  const missing = DATADOG_REQUIRED_KEYS.filter((key) => text(body[key]) === '');
  if (missing.length > 0) {
    throw new SourceInputError(`Datadog payload is missing ${missing.join(', ')}; ${TEMPLATE_HINT}`);
  }
  const org = isJsonObject(body.org) ? body.org : {};
  return {
    body,
    id: text(body.id),
    alertCycleKey: text(body.alert_cycle_key),
    alertTransition: text(body.alert_transition),
    monitorId: text(body.monitor_id),
    title: text(body.title),
    date: text(body.date),
    severity: text(body.severity),
    alertType: text(body.alert_type),
    alertQuery: text(body.alert_query),
    alertStatus: text(body.alert_status),
    alertMetric: text(body.alert_metric),
    aggregKey: text(body.aggreg_key),
    scopes: text(body.scopes),
    hostname: text(body.hostname),
    tags: text(body.tags),
    url: text(body.url),
    eventBody: text(body.body),
    orgId: text(org.id),
    orgName: text(org.name),
  };
}

/** Template values are strings, but a hand-written template may leave ids unquoted. */
function text(value: unknown): string {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return '';
}
