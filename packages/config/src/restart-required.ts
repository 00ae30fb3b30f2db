import { canonicalJson } from './config-hash.js';
import { getAt } from './object-path.js';
import type { GatewayConfig } from './schema/gateway-config.js';

/** Keys marked R in SPEC §13.3 (§13.4): a reload keeps their running values and reports them instead. */
export const RESTART_REQUIRED_KEYS = [
  'server.port',
  'server.headersTimeout',
  'server.keepAliveTimeout',
  'server.tls',
  'worker.port',
  'worker.lockDuration',
  'redis.url',
  'redis.prefix',
  'auth.mode',
  'plugins',
  'kubernetes.remediationNamespace',
  'multiCluster.enabled',
  'multiCluster.routing',
  'multiCluster.clusters',
  'audit.dataStorageUrl',
  'audit.file',
  'logging.format',
  'telemetry.otlpEndpoint',
  'reload.watch',
  'reload.pollInterval',
  'reload.debounce',
  'shutdown.drainDelay',
  'shutdown.timeout',
] as const;
export type RestartRequiredKey = (typeof RESTART_REQUIRED_KEYS)[number];

/** The restart-only keys whose values differ, in the order of §13.3, for `/readyz` `restartRequired`. */
export function restartRequiredChanges(oldConfig: GatewayConfig, newConfig: GatewayConfig): RestartRequiredKey[] {
  return RESTART_REQUIRED_KEYS.filter((key) => {
    const path = key.split('.');
    return canonicalJson(getAt(oldConfig, path)) !== canonicalJson(getAt(newConfig, path));
  });
}
