import type { AuthToken, GatewayConfig, SourceConfig } from '@gateway/config';
import { redactConfig } from '@gateway/config';
import type { SourceDefinition } from '@gateway/sources';
import type { IngressSettingsInput, SourceInstanceInput } from './build-ingress-settings.js';
import { buildIngressSettings } from './build-ingress-settings.js';
import type { IngressSettings } from './ingress-settings.js';
import { IngressSettingsError } from './ingress-settings-error.js';
import type { ReadTextFile } from './token-credential.js';
import { tokenCredential } from './token-credential.js';

/** Source adapters by type (`builtinSources`), plus plugins by the type they declare. */
export type SourceDefinitions = Readonly<Record<string, SourceDefinition<unknown> | undefined>>;

export interface BuiltIngressSettings {
  settings: IngressSettings;
  /** Acceptable but risky choices (short token files); the caller logs them. */
  warnings: string[];
}

/** Keys every source has (SPEC §5.0); whatever else a source block holds belongs to its adapter. */
const COMMON_SOURCE_KEYS = new Set([
  'type',
  'enabled',
  'route',
  'auth',
  'allowQueryToken',
  'requireTimestamp',
  'rateLimit',
  'overloadStatus',
  'severityMap',
  'defaultSeverity',
  'unresolvedTarget',
  'deliveryDedup',
]);

function adapterOptions(source: SourceConfig): unknown {
  if (source.type === 'plugin') return source.options;
  return Object.fromEntries(Object.entries(source).filter(([key]) => !COMMON_SOURCE_KEYS.has(key)));
}

/**
 * `sources.<name>` → instance inputs. A disabled source whose type has no adapter in this build is left out (it
 * answers 404 like any disabled source); an enabled one stops startup, since its sender would get 404s forever.
 */
export function sourceInputsFromConfig(
  sources: GatewayConfig['sources'],
  definitions: SourceDefinitions,
): SourceInstanceInput[] {
  const inputs: SourceInstanceInput[] = [];
  for (const [name, source] of Object.entries(sources)) {
    const adapterType = source.type === 'plugin' ? source.plugin : source.type;
    const definition = Object.hasOwn(definitions, adapterType) ? definitions[adapterType] : undefined;
    if (definition === undefined) {
      if (!source.enabled) continue;
      throw new IngressSettingsError(
        `sources.${name} is enabled but this build has no adapter for source type "${adapterType}"; ` +
          `set sources.${name}.enabled: false or use a supported type`,
      );
    }
    inputs.push({
      name,
      definition,
      enabled: source.enabled,
      route: source.route,
      authMode: source.auth.mode,
      allowQueryToken: source.allowQueryToken,
      requireTimestamp: source.requireTimestamp,
      settings: {
        severityMap: source.severityMap,
        defaultSeverity: source.defaultSeverity,
        unresolvedTarget: source.unresolvedTarget,
      },
      options: adapterOptions(source),
      overloadStatus: source.overloadStatus,
      ...(source.rateLimit === undefined ? {} : { rateLimit: source.rateLimit }),
      deliveryDedup: source.deliveryDedup,
    });
  }
  return inputs;
}

/** The validated configuration as ingress inputs; tests add their own sources before building. */
export function ingressSettingsInputFromConfig(
  config: GatewayConfig,
  envTokens: readonly AuthToken[],
  configHash: string,
  definitions: SourceDefinitions,
  readFile: ReadTextFile,
  warnings: string[],
): IngressSettingsInput {
  const { multiCluster } = config;
  const rejectsUnknownClusters =
    multiCluster.enabled && multiCluster.routing === 'per-cluster' && multiCluster.unknownCluster === 'reject';
  return {
    authMode: config.auth.mode,
    tokens: [...envTokens, ...config.auth.tokens].map((token) => tokenCredential(token, readFile, warnings)),
    configHash,
    sources: sourceInputsFromConfig(config.sources, definitions),
    server: {
      bodyLimitBytes: config.server.bodyLimitBytes,
      maxInFlightRequests: config.server.maxInFlightRequests,
      requestTimeoutMs: config.server.requestTimeout,
      trustedProxies: config.server.trustedProxies,
    },
    queue: {
      highWaterMark: config.queue.highWaterMark,
      lowWaterMark: config.queue.lowWaterMark,
      retryAfterSeconds: config.queue.retryAfterSeconds,
    },
    rateLimits: config.rateLimits,
    audit: { maxBacklog: config.audit.maxBacklog, maxBacklogBytes: config.audit.maxBacklogBytes },
    multiCluster: {
      enabled: multiCluster.enabled,
      clusterLabel: multiCluster.clusterLabel,
      defaultClusterId: multiCluster.defaultClusterId,
      ...(rejectsUnknownClusters ? { knownClusterIds: multiCluster.clusters.map((cluster) => cluster.id) } : {}),
    },
    redactedConfig: redactConfig(config),
  };
}

/**
 * The ingress snapshot of a configuration `loadConfig` validated, with `configHash` from `loadConfig` so ingress
 * and worker replicas report the same hash. Throws IngressSettingsError when it cannot run (unreadable token
 * file, enabled source without adapter, options its adapter refuses).
 */
export function ingressSettingsFromConfig(
  config: GatewayConfig,
  envTokens: readonly AuthToken[],
  configHash: string,
  definitions: SourceDefinitions,
  readFile: ReadTextFile,
): BuiltIngressSettings {
  const warnings: string[] = [];
  const input = ingressSettingsInputFromConfig(config, envTokens, configHash, definitions, readFile, warnings);
  return { settings: buildIngressSettings(input), warnings };
}
