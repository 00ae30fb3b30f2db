import type { SignalDraft } from '@gateway/contracts';
import type { AlertmanagerWebhook } from '../alertmanager/alertmanager-webhook.js';
import type { JsonObject } from '../input/json-object.js';
import { isJsonObject } from '../input/json-object.js';
import { asString } from '../input/string-field.js';
import { limitAnnotationValues } from '../normalize/text-limits.js';

/**
 * The Grafana additions on top of the Alertmanager mapping: links to the dashboard and panel as
 * annotations (the alert's own annotations of the same name win), and the evaluated values in providerData.
 */
export function withGrafanaExtras(signal: SignalDraft, webhook: AlertmanagerWebhook, alert: JsonObject): SignalDraft {
  const dashboardURL = asString(alert.dashboardURL) ?? '';
  const panelURL = asString(alert.panelURL) ?? '';
  const links: Record<string, string> = {};
  if (dashboardURL !== '') links.dashboard_url = dashboardURL;
  if (panelURL !== '') links.panel_url = panelURL;
  return {
    ...signal,
    annotations: { ...limitAnnotationValues(links), ...signal.annotations },
    providerData: {
      ...signal.providerData,
      // Grafana 12 repeats orgId per alert; older versions send it only on the webhook.
      orgId: numberOrNull(alert.orgId) ?? numberOrNull(webhook.body.orgId),
      values: isJsonObject(alert.values) ? alert.values : {},
      valueString: asString(alert.valueString) ?? '',
      dashboardURL,
      panelURL,
      silenceURL: asString(alert.silenceURL) ?? '',
      appVersion: asString(webhook.body.appVersion) ?? '',
    },
  };
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
