import type { AlertmanagerWebhook } from '../alertmanager/alertmanager-webhook.js';
import { isJsonObject } from '../input/json-object.js';
import { asString } from '../input/string-field.js';

/** Group key of the contact point's "Test" button: `webhook-<fingerprint>-<unix seconds>`. */
const TEST_GROUP_KEY = /^webhook-[0-9a-f]+-[0-9]+$/;

/**
 * A "Test" press is not a problem to remediate. Older Grafana versions use a normal group key, but
 * their test alert is still `TestAlert` with a relative generatorURL, which a real rule never has.
 */
export function isTestNotification(webhook: AlertmanagerWebhook, alert: unknown): boolean {
  if (TEST_GROUP_KEY.test(webhook.groupKey)) return true;
  if (!isJsonObject(alert)) return false;
  const labels = isJsonObject(alert.labels) ? alert.labels : {};
  const alertname = asString(labels.alertname) ?? webhook.commonLabels.alertname;
  const generatorURL = asString(alert.generatorURL) ?? '';
  return alertname === 'TestAlert' && generatorURL !== '' && !URL.canParse(generatorURL);
}
