import type { GatewayConfig } from '@gateway/config';
import type { FingerprintSettings } from './fingerprinter.js';

/** The fingerprint part of one configuration snapshot. */
export function fingerprintSettingsFromConfig(config: GatewayConfig): FingerprintSettings {
  return {
    strategy: config.fingerprint.strategy,
    rules: config.fingerprint.rules.map((rule) => ({
      match: rule.match,
      ...(rule.extraLabels === undefined ? {} : { extraLabels: rule.extraLabels }),
    })),
    clusterScoped: config.multiCluster.enabled && config.multiCluster.dedupScope === 'cluster',
  };
}
