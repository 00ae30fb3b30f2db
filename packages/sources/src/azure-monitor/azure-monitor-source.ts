import { readJsonBody } from '../input/read-json-body.js';
import { defineSource } from '../source-definition.js';
import { readAzureAlert } from './azure-alert.js';
import { azureAlertToSignal } from './azure-alert-to-signal.js';
import type { AzureMonitorOptions } from './azure-monitor-options.js';
import { AzureMonitorOptionsSchema } from './azure-monitor-options.js';

/**
 * Azure Monitor action-group webhooks in the common alert schema. Action groups cannot send headers,
 * so the token comes in the query. 429 on rate limit: Azure retries 429 but never 500.
 */
export const azureMonitorSource = defineSource<AzureMonitorOptions>({
  apiVersion: 1,
  type: 'azure-monitor',
  signalSource: 'azure-monitor',
  defaultAuthMode: 'token',
  defaultAllowQueryToken: true,
  rateLimitStatus: 429,
  defaultOverloadStatus: 503,
  optionsSchema: AzureMonitorOptionsSchema,
  async parse(req, ctx) {
    const item = azureAlertToSignal(readAzureAlert(readJsonBody(req)), ctx);
    if (item.outcome === 'rejected') return { signals: [], ignored: [], rejected: [item.rejected] };
    return {
      signals: [item.signal],
      ignored: [],
      rejected: [],
      stats: { unresolvedTargets: item.unresolvedTarget ? 1 : 0 },
    };
  },
});
