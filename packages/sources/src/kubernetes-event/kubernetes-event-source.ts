import type { SignalDraft } from '@gateway/contracts';
import { readJsonBody } from '../input/read-json-body.js';
import type { IgnoredItem, RejectedItem } from '../source-definition.js';
import { defineSource } from '../source-definition.js';
import { readEventItems } from './event-items.js';
import { eventToSignal } from './event-to-signal.js';
import type { KubernetesEventOptions } from './kubernetes-event-options.js';
import { KubernetesEventOptionsSchema } from './kubernetes-event-options.js';

/** core/v1 and events.k8s.io/v1 Events. 429 on rate limit: generic exporters honour Retry-After. */
export const kubernetesEventSource = defineSource<KubernetesEventOptions>({
  apiVersion: 1,
  type: 'kubernetes-event',
  signalSource: 'kubernetes-events',
  defaultAuthMode: 'token',
  rateLimitStatus: 429,
  defaultOverloadStatus: 503,
  optionsSchema: KubernetesEventOptionsSchema,
  async parse(req, ctx) {
    const { items, ignored: envelopeIgnored } = readEventItems(readJsonBody(req), ctx.options.maxEventsPerRequest);
    const signals: SignalDraft[] = [];
    const ignored: IgnoredItem[] = [...envelopeIgnored];
    const rejected: RejectedItem[] = [];
    for (const item of items) {
      const result = eventToSignal(item, ctx);
      if (result.outcome === 'signal') signals.push(result.signal);
      else if (result.outcome === 'ignored') ignored.push(result.ignored);
      else rejected.push(result.rejected);
    }
    return { signals, ignored, rejected };
  },
});
