import type { RateLimit } from '@gateway/config';
import type { SourceType } from '@gateway/contracts';
import { SOURCE_TYPES } from '@gateway/contracts';
import type { AuthMode, CommonSourceSettings, SourceDefinition } from '@gateway/sources';
import { parseOptions } from '@gateway/sources';
import { compileTrustedProxies } from '../http/client-ip.js';
import { DEFAULT_CONTENT_TYPES } from '../http/media-type.js';
import type { IngressSettings, SourceCapabilities, SourceInstance, TokenCredential } from './ingress-settings.js';
import { IngressSettingsError } from './ingress-settings-error.js';

export const SIGNAL_ROUTE_PREFIX = '/api/v1/signals/';
const SOURCE_NAME = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;

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
  if (!SOURCE_NAME.test(input.name)) {
    throw new IngressSettingsError(`source name ${JSON.stringify(input.name)} must match ${SOURCE_NAME.source}`);
  }
  const route = input.route ?? `${SIGNAL_ROUTE_PREFIX}${input.name}`;
  if (!route.startsWith(SIGNAL_ROUTE_PREFIX) || route.length === SIGNAL_ROUTE_PREFIX.length) {
    throw new IngressSettingsError(`source ${input.name}: route must start with ${SIGNAL_ROUTE_PREFIX}`);
  }
  const definition = input.definition;
  let options: unknown;
  try {
    options = parseOptions(definition, input.options);
  } catch (error) {
    throw new IngressSettingsError(`source ${input.name}: invalid options: ${(error as Error).message}`);
  }
  const authMode = input.authMode ?? definition.defaultAuthMode ?? 'token';
  if ((authMode === 'signature' || authMode === 'token-and-signature') && definition.verify === undefined) {
    // Accepting such requests unverified would silently turn authentication off.
    throw new IngressSettingsError(
      `source ${input.name}: auth mode ${authMode} needs a source type that verifies signatures`,
    );
  }
  return {
    name: input.name,
    route,
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
 * Builds the settings snapshot, so main.ts and tests construct it the same way. Throws IngressSettingsError for
 * values that must stop startup.
 */
export function buildIngressSettings(input: IngressSettingsInput): IngressSettings {
  if (!/^[0-9a-f]{12}$/.test(input.configHash)) throw new IngressSettingsError('configHash must be 12 hex characters');
  const queue = input.queue;
  if (queue.lowWaterMark < 0 || queue.lowWaterMark >= queue.highWaterMark) {
    throw new IngressSettingsError('queue.lowWaterMark must be at least 0 and below queue.highWaterMark');
  }
  const ids = new Set<string>();
  for (const token of input.tokens) {
    if (ids.has(token.id)) throw new IngressSettingsError(`token id ${token.id} is used twice`);
    ids.add(token.id);
  }
  const sources = input.sources.map((source) => buildSourceInstance(source, input.multiCluster.clusterLabel));
  const names = new Set<string>();
  const routes = new Set<string>();
  for (const source of sources) {
    if (names.has(source.name)) throw new IngressSettingsError(`source ${source.name} is defined twice`);
    names.add(source.name);
    // A disabled source answers 404 whatever its route, so only enabled ones can clash.
    if (!source.enabled) continue;
    if (routes.has(source.route)) throw new IngressSettingsError(`route ${source.route} is used by two sources`);
    routes.add(source.route);
  }
  return {
    auth: { mode: input.authMode, tokens: input.tokens },
    server: {
      bodyLimitBytes: input.server.bodyLimitBytes,
      maxInFlightRequests: input.server.maxInFlightRequests,
      maxEventLoopDelayMs: input.server.maxEventLoopDelayMs,
      requestTimeoutMs: input.server.requestTimeoutMs,
      trustedProxies: compileTrustedProxies(input.server.trustedProxies),
    },
    queue,
    rateLimits: input.rateLimits,
    audit: input.audit,
    multiCluster: input.multiCluster,
    logging: input.logging ?? { logPayloads: false },
    configHash: input.configHash,
    redactedConfig: input.redactedConfig,
    sources,
  };
}
