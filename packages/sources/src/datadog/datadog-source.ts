import { readJsonBody } from '../input/read-json-body.js';
import { defineSource } from '../source-definition.js';
import type { DatadogOptions } from './datadog-options.js';
import { DatadogOptionsSchema } from './datadog-options.js';
import { readDatadogPayload } from './datadog-payload.js';
import { datadogToSignal } from './datadog-to-signal.js';
import { datadogTransitionStatus } from './datadog-transition.js';

/**
 * Datadog webhooks with the required template. 503 on rate limit: Datadog retries only 5xx and
 * connection errors. JSON only: a webhook with "Encode as form" on is answered 415 so the operator turns it off.
 */
export const datadogSource = defineSource<DatadogOptions>({
  apiVersion: 1,
  type: 'datadog',
  signalSource: 'datadog',
  contentTypes: ['application/json'],
  defaultAuthMode: 'token',
  rateLimitStatus: 503,
  defaultOverloadStatus: 503,
  optionsSchema: DatadogOptionsSchema,
  async parse(req, ctx) {
    const payload = readDatadogPayload(readJsonBody(req));
    const status = datadogTransitionStatus(payload.alertTransition);
    if (status === 'no-data' && ctx.options.noData === 'ignore') {
      return { signals: [], ignored: [{ index: 0, reason: 'no_data' }], rejected: [] };
    }
    const signal = datadogToSignal(payload, status === 'no-data' ? 'firing' : status, ctx);
    return { signals: [signal], ignored: [], rejected: [] };
  },
});
