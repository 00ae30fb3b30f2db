import type { SignalDraft } from '@gateway/contracts';
import { readJsonBody } from '../input/read-json-body.js';
import type { RejectedItem } from '../source-definition.js';
import { defineSource } from '../source-definition.js';
import { alertToSignal } from './alert-to-signal.js';
import type { AlertmanagerOptions } from './alertmanager-options.js';
import { AlertmanagerOptionsSchema } from './alertmanager-options.js';
import { readAlertmanagerWebhook } from './alertmanager-webhook.js';

/** Prometheus Alertmanager webhook v4. 503 on rate limit: Alertmanager retries 5xx and drops 4xx. */
export const alertmanagerSource = defineSource<AlertmanagerOptions>({
  apiVersion: 1,
  type: 'alertmanager',
  signalSource: 'prometheus',
  defaultAuthMode: 'token',
  rateLimitStatus: 503,
  defaultOverloadStatus: 503,
  optionsSchema: AlertmanagerOptionsSchema,
  async parse(req, ctx) {
    const webhook = readAlertmanagerWebhook(readJsonBody(req));
    const signals: SignalDraft[] = [];
    const rejected: RejectedItem[] = [];
    let unresolvedTargets = 0;
    for (let index = 0; index < webhook.alerts.length; index++) {
      const item = alertToSignal(webhook, index, ctx);
      if (item.outcome === 'rejected') {
        rejected.push(item.rejected);
        continue;
      }
      signals.push(item.signal);
      if (item.unresolvedTarget) unresolvedTargets++;
    }
    return {
      signals,
      ignored: [],
      rejected,
      stats: { truncatedAlerts: webhook.truncatedAlerts, unresolvedTargets },
    };
  },
});
