import type { RateLimit } from '@gateway/config';
import { configProblem, ROUTE_PREFIX } from '@gateway/config';
import type { SourceType } from '@gateway/contracts';
import { SOURCE_TYPES } from '@gateway/contracts';
import type { AuthMode, CommonSourceSettings, SourceDefinition } from '@gateway/sources';
import { parseOptions } from '@gateway/sources';
import { compileTrustedProxies } from '../http/client-ip.js';
import { DEFAULT_CONTENT_TYPES } from '../http/media-type.js';
import type { IngressSettings, SourceCapabilities, SourceInstance, TokenCredential } from './ingress-settings.js';
import { IngressSettingsError } from './ingress-settings-error.js';

export interface SourceInstanceInput {
  name: string;
  definition: SourceDefinition<unknown>;
  enabled?: boolean;
  route?: string;
  authMode?: AuthMode;
  allowQueryToken?: boolean;
  requireTimestamp?: boolean;
  settings?: Partial<Omit<CommonSourceSettings, 'clusterLabel'>>;
  /** Raw type-specific options, validated here by the definition's schema. */
  options?: unknown;
  overloadStatus?: 429 | 503;
  rateLimit?: RateLimit;
  deliveryDedup?: boolean;
  /** Replaces the definition's `signalSource` (custom and plugin instances). */
  signalSource?: string;
  /** Replaces the definition's `contentTypes` (plugin instances). */
  contentTypes?: readonly string[];
  capabilities?: SourceCapabilities;
}

/** Everything the snapshot is built from; the configuration file maps onto it in `ingressSettingsFromConfig`. */
export interface IngressSettingsInput {
  authMode: 'token' | 'none';
  /** Environment and configuration tokens, already reduced to digests. */
  tokens: readonly TokenCredential[];
  configHash: string;
  sources: readonly SourceInstanceInput[];
  server: {
    bodyLimitBytes: number;
    maxInFlightRequests: number;
    maxEventLoopDelayMs: number;
    requestTimeoutMs: number;
    trustedProxies: readonly string[];
  };
  queue: IngressSettings['queue'];
  rateLimits: IngressSettings['rateLimits'];
  audit: IngressSettings['audit'];
  multiCluster: IngressSettings['multiCluster'];
  /** Defaults to payloads not logged. */
  logging?: IngressSettings['logging'];
  redactedConfig: IngressSettings['redactedConfig'];
}

function sourceTypeOf(definition: SourceDefinition<unknown>): SourceType {
  return (SOURCE_TYPES as readonly string[]).includes(definition.type) ? (definition.type as SourceType) : 'plugin';
}

function buildSourceInstance(input: SourceInstanceInput, clusterLabel: string): SourceInstance {
  const definition = input.definition;
  let options: unknown;
  try {
    options = parseOptions(definition, input.options);
  } catch (error) {
    throw new IngressSettingsError([
      configProblem(
        ['sources', input.name],
        input.options,
        `options refused by the ${definition.type} adapter: ${(error as Error).message}`,
        'fix the keys the adapter names',
      ),
    ]);
  }
  const authMode = input.authMode ?? definition.defaultAuthMode ?? 'token';
  if ((authMode === 'signature' || authMode === 'token-and-signature') && definition.verify === undefined) {
    // Accepting such requests unverified would silently turn authentication off.
    throw new IngressSettingsError([
      configProblem(
        ['sources', input.name, 'auth', 'mode'],
        authMode,
        `needs a source type that verifies signatures; ${definition.type} does not`,
        'use auth mode token',
      ),
    ]);
  }
  return {
    name: input.name,
    route: input.route ?? `${ROUTE_PREFIX}${input.name}`,
    enabled: input.enabled ?? true,
    definition,
    sourceType: sourceTypeOf(definition),
    signalSource: input.signalSource ?? definition.signalSource,
    contentTypes: input.contentTypes ?? definition.contentTypes ?? DEFAULT_CONTENT_TYPES,
    authMode,
    allowQueryToken: input.allowQueryToken ?? definition.defaultAllowQueryToken ?? false,
    requireTimestamp: input.requireTimestamp ?? false,
    settings: {
      severityMap: input.settings?.severityMap ?? {},
      defaultSeverity: input.settings?.defaultSeverity ?? 'unknown',
      unresolvedTarget: input.settings?.unresolvedTarget ?? 'accept',
      clusterLabel,
    },
    options,
    capabilities: input.capabilities ?? {},
    rateLimitStatus: input.overloadStatus ?? definition.rateLimitStatus ?? definition.defaultOverloadStatus ?? 429,
    ...(input.rateLimit === undefined ? {} : { rateLimit: input.rateLimit }),
    deliveryDedup: input.deliveryDedup ?? true,
  };
}

/**
 * Builds the settings snapshot, so main.ts and tests construct it the same way. Names, routes, marks and token ids
 * were validated by the configuration schema; what is checked here is what only the adapters can judge. Throws
 * IngressSettingsError.
 */
export function buildIngressSettings(input: IngressSettingsInput): IngressSettings {
  const sources = input.sources.map((source) => buildSourceInstance(source, input.multiCluster.clusterLabel));
  return {
    auth: { mode: input.authMode, tokens: input.tokens },
    server: {
      bodyLimitBytes: input.server.bodyLimitBytes,
      maxInFlightRequests: input.server.maxInFlightRequests,
      maxEventLoopDelayMs: input.server.maxEventLoopDelayMs,
      requestTimeoutMs: input.server.requestTimeoutMs,
      trustedProxies: compileTrustedProxies(input.server.trustedProxies),
    },
    queue: input.queue,
    rateLimits: input.rateLimits,
    audit: input.audit,
    multiCluster: input.multiCluster,
    logging: input.logging ?? { logPayloads: false },
    configHash: input.configHash,
    redactedConfig: input.redactedConfig,
    sources,
  };
}
