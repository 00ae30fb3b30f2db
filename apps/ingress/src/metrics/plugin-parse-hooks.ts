import type { PluginParseHooks } from '@gateway/sources';
import type { Logger } from 'pino';
import type { IngressMetrics } from './ingress-metrics.js';

/**
 * A slow plugin parse (over 50 ms) is a warning, a throwing one an error of that instance; both are counted under
 * the instance's `signalSource`, like every other ingress metric.
 */
export function pluginParseHooks(metrics: IngressMetrics, logger: Logger) {
  return ({ name, signalSource }: { name: string; signalSource: string }): PluginParseHooks => ({
    onSlow(durationMs) {
      metrics.sourceParseSlow.inc({ source_type: signalSource });
      logger.warn(
        { source: name, durationMs: Math.round(durationMs) },
        'source plugin parse exceeded its 50 ms budget',
      );
    },
    onError(error) {
      metrics.sourceErrors.inc({ source_type: signalSource });
      logger.error({ err: error, source: name }, 'source plugin parse failed');
    },
  });
}
