import type { SignalDraft } from '@gateway/contracts';
import { alertToSignal } from '../alertmanager/alert-to-signal.js';
import { readAlertmanagerWebhook } from '../alertmanager/alertmanager-webhook.js';
import { verifyHmac } from '../hmac/verify-hmac.js';
import type { JsonObject } from '../input/json-object.js';
import { readJsonBody } from '../input/read-json-body.js';
import type { IgnoredItem, RejectedItem } from '../source-definition.js';
import { defineSource } from '../source-definition.js';
import { withGrafanaExtras } from './grafana-alert-extras.js';
import type { GrafanaOptions } from './grafana-options.js';
import { GrafanaOptionsSchema } from './grafana-options.js';
import { isTestNotification } from './test-notification.js';

/** Grafana unified alerting labels its webhook body version "1"; the Alertmanager-compatible "4" is accepted too. */
const GRAFANA_VERSIONS: readonly string[] = ['1', '4'];

/**
 * Grafana unified alerting webhook: the Alertmanager item model plus Grafana's links and values.
 * 503 on rate limit: Grafana's notifier is Alertmanager-based and retries 5xx.
 */
export const grafanaSource = defineSource<GrafanaOptions>({
  apiVersion: 1,
  type: 'grafana',
  signalSource: 'grafana',
  defaultAuthMode: 'token',
  rateLimitStatus: 503,
  defaultOverloadStatus: 503,
  optionsSchema: GrafanaOptionsSchema,
  async verify(req, ctx) {
    const hmac = ctx.options.hmac;
    if (hmac === undefined) return { ok: true };
    const verdict = verifyHmac(req.rawBody, req.headers, hmac, ctx.now());
    return verdict.ok ? { ok: true, principal: { type: 'signature', id: `hmac:${ctx.name}` } } : verdict;
  },
  async parse(req, ctx) {
    const webhook = readAlertmanagerWebhook(readJsonBody(req), GRAFANA_VERSIONS);
    const signals: SignalDraft[] = [];
    const ignored: IgnoredItem[] = [];
    const rejected: RejectedItem[] = [];
    let unresolvedTargets = 0;
    for (let index = 0; index < webhook.alerts.length; index++) {
      const alert = webhook.alerts[index];
      if (ctx.options.ignoreTestNotifications && isTestNotification(webhook, alert)) {
        ignored.push({ index, reason: 'test_notification' });
        continue;
      }
      const item = alertToSignal(webhook, index, ctx);
      if (item.outcome === 'rejected') {
        rejected.push(item.rejected);
        continue;
      }
      // alertToSignal only produces a signal for an object alert.
      signals.push(withGrafanaExtras(item.signal, webhook, alert as JsonObject));
      if (item.unresolvedTarget) unresolvedTargets++;
    }
    return {
      signals,
      ignored,
      rejected,
      stats: { truncatedAlerts: webhook.truncatedAlerts, unresolvedTargets },
    };
  },
});
