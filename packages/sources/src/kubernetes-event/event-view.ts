import type { JsonObject } from '../input/json-object.js';
import { isJsonObject } from '../input/json-object.js';
import { asString } from '../input/string-field.js';
import { normalizeTimestamp } from '../normalize/timestamp.js';

export interface InvolvedObject {
  kind: string | undefined;
  name: string | undefined;
  namespace: string | undefined;
  apiVersion: string | undefined;
  uid: string | undefined;
  fieldPath: string | undefined;
}

/** A core/v1 or events.k8s.io/v1 Event seen through core/v1 field names; timestamps already normalised. */
export interface EventView {
  type: string | undefined;
  reason: string | undefined;
  /** Which field the body used, so error messages name what the sender actually sent. */
  involvedObjectField: 'involvedObject' | 'regarding';
  involvedObject: InvolvedObject;
  message: string | undefined;
  count: number | undefined;
  firstTimestamp: string | undefined;
  lastTimestamp: string | undefined;
  eventTime: string | undefined;
  creationTimestamp: string | undefined;
  sourceComponent: string | undefined;
  sourceHost: string | undefined;
  reportingComponent: string | undefined;
  reportingInstance: string | undefined;
  name: string | undefined;
  uid: string | undefined;
  resourceVersion: string | undefined;
}

/**
 * Applies the events.k8s.io/v1 → core/v1 field equivalence. Both names are read for every field
 * because core/v1 reads of new-API events carry `series` and `reportingComponent` too.
 */
export function viewEvent(event: JsonObject): EventView {
  const metadata = objectOr(event.metadata);
  const series = objectOr(event.series);
  const source = objectOr(event.source ?? event.deprecatedSource);
  const usesRegarding = !isJsonObject(event.involvedObject) && isJsonObject(event.regarding);
  const involved = objectOr(usesRegarding ? event.regarding : event.involvedObject);
  return {
    type: asString(event.type),
    reason: asString(event.reason),
    involvedObjectField: usesRegarding ? 'regarding' : 'involvedObject',
    involvedObject: {
      kind: asString(involved.kind),
      name: asString(involved.name),
      namespace: asString(involved.namespace),
      apiVersion: asString(involved.apiVersion),
      uid: asString(involved.uid),
      fieldPath: asString(involved.fieldPath),
    },
    message: asString(event.message) ?? asString(event.note),
    count: firstPositive(event.count, event.deprecatedCount, series.count),
    firstTimestamp: firstTimestamp(event.firstTimestamp, event.deprecatedFirstTimestamp),
    lastTimestamp: firstTimestamp(event.lastTimestamp, event.deprecatedLastTimestamp, series.lastObservedTime),
    eventTime: normalizeTimestamp(event.eventTime),
    creationTimestamp: normalizeTimestamp(metadata.creationTimestamp),
    sourceComponent: nonEmpty(source.component),
    sourceHost: nonEmpty(source.host),
    reportingComponent: nonEmpty(event.reportingComponent) ?? nonEmpty(event.reportingController),
    reportingInstance: nonEmpty(event.reportingInstance),
    name: nonEmpty(metadata.name),
    uid: nonEmpty(metadata.uid),
    resourceVersion: nonEmpty(metadata.resourceVersion),
  };
}

function objectOr(value: unknown): JsonObject {
  return isJsonObject(value) ? value : {};
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** New-style events leave `deprecatedCount` at 0 and count in `series`, so 0 means "not this field". */
function firstPositive(...values: unknown[]): number | undefined {
  return values.find((value): value is number => typeof value === 'number' && Number.isFinite(value) && value > 0);
}

function firstTimestamp(...values: unknown[]): string | undefined {
  for (const value of values) {
    const timestamp = normalizeTimestamp(value);
    if (timestamp) return timestamp;
  }
  return undefined;
}
