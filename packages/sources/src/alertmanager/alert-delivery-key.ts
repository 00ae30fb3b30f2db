import { sha256Hex } from '@gateway/contracts';
import type { JsonObject } from '../input/json-object.js';
import { asString } from '../input/string-field.js';

/**
 * Redelivery identity: Alertmanager resends the same group notification after failures and every HA
 * peer sends it too; these fields are equal across those copies and change when the alert changes state.
 */
export function alertDeliveryKey(
  groupKey: string,
  alert: JsonObject,
  status: string,
  labels: Record<string, string>,
): string {
  const fingerprint = asString(alert.fingerprint) || labelsHash(labels);
  return [groupKey, fingerprint, status, asString(alert.startsAt) ?? '', asString(alert.endsAt) ?? ''].join('|');
}

/** Stand-in for Alertmanager's own fingerprint when the sender omitted it: same label set → same hash. */
function labelsHash(labels: Record<string, string>): string {
  const sorted = Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return sha256Hex(JSON.stringify(sorted));
}
