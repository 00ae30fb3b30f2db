import { canonicalJson } from './config-hash.js';
import { getAt } from './object-path.js';
import type { GatewayConfig } from './schema/gateway-config.js';

export const RELOAD_CLASS = { hot: 'hot', restart: 'restart' } as const;
export type ReloadClass = (typeof RELOAD_CLASS)[keyof typeof RELOAD_CLASS];

/**
 * Keys a running process cannot change: they name sockets, connections, files and processes it built at startup
 * (docs/configuration.md#what-reloads-and-what-needs-a-restart). Every other key is hot. A key listed here covers
 * everything below it.
 */
export const RESTART_ONLY_KEYS = [
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
  'telemetry',
  'reload.watch',
  'reload.pollInterval',
  'reload.debounce',
  'shutdown',
] as const;

/** Whether a dotted key (`sources.prometheus.enabled`, `reload.watch`) applies on reload or waits for a restart. */
export function reloadClassOf(key: string): ReloadClass {
  const restartOnly = RESTART_ONLY_KEYS.some((prefix) => key === prefix || key.startsWith(`${prefix}.`));
  return restartOnly ? RELOAD_CLASS.restart : RELOAD_CLASS.hot;
}

export interface HeldConfig {
  /** The candidate with every restart-only key at the value the process started with. */
  config: GatewayConfig;
  /** Restart-only keys whose candidate value differs from the running one, in `RESTART_ONLY_KEYS` order. */
  restartRequired: string[];
}

/**
 * What a process can run of a candidate: its hot keys, and the running values of the restart-only ones, so a
 * reload never half-applies a change it cannot make (a new Redis URL with the old connection still open).
 */
export function holdRestartOnlyKeys(running: GatewayConfig, candidate: GatewayConfig): HeldConfig {
  let config: unknown = candidate;
  const restartRequired: string[] = [];
  for (const key of RESTART_ONLY_KEYS) {
    const path = key.split('.');
    const runningValue = getAt(running, path);
    if (canonicalJson(runningValue) === canonicalJson(getAt(candidate, path))) continue;
    restartRequired.push(key);
    config = replaceAt(config, path, runningValue);
  }
  return { config: config as GatewayConfig, restartRequired };
}

/** A copy with `value` at `path`, replacing what was there whole (a held section keeps none of the candidate's keys). */
function replaceAt(document: unknown, path: readonly string[], value: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  const object = { ...(document as Record<string, unknown>) };
  const replaced = replaceAt(object[head], rest, value);
  if (replaced === undefined) delete object[head];
  else object[head] = replaced;
  return object;
}
