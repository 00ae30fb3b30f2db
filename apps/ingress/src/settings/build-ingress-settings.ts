import type { SourceType } from '@gateway/contracts';
import { SOURCE_TYPES, sha256Hex } from '@gateway/contracts';
import type { AuthMode, CommonSourceSettings, SourceDefinition } from '@gateway/sources';
import { parseOptions } from '@gateway/sources';
import { tokenDigest } from '../auth/token-digest.js';
import { compileTrustedProxies } from '../http/client-ip.js';
import type { IngressSettings, SourceInstance, TokenCredential } from './ingress-settings.js';

export const SIGNAL_ROUTE_PREFIX = '/api/v1/signals/';
const SOURCE_NAME = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;
export const MIN_TOKEN_LENGTH = 16;
export const RECOMMENDED_TOKEN_LENGTH = 32;

/** Defaults of SPEC §13.3 for the keys ingress reads. */
export const INGRESS_DEFAULTS = {
  server: {
    bodyLimitBytes: 262_144,
    maxInFlightRequests: 512,
    requestTimeoutMs: 10_000,
    trustedProxies: [] as string[],
  },
  queue: { highWaterMark: 50_000, lowWaterMark: 40_000, retryAfterSeconds: 5 },
  multiCluster: { enabled: false, clusterLabel: 'cluster', defaultClusterId: '' },
} as const;

export interface SourceInstanceInput {
  name: string;
  definition: SourceDefinition<unknown>;
  enabled?: boolean;
  route?: string;
  authMode?: AuthMode;
  allowQueryToken?: boolean;
  requireTimestamp?: boolean;
  settings?: Partial<Omit<CommonSourceSettings, 'clusterLabel'>>;
  /** Raw `sources.<name>.options`, validated here by the definition's schema. */
  options?: unknown;
  overloadStatus?: 429 | 503;
  deliveryDedup?: boolean;
}

export interface IngressSettingsInput {
  authMode: 'token' | 'none';
  /** `GATEWAY_AUTH_TOKENS` split on commas; blanks are ignored. */
  envTokens: readonly string[];
  /** Tokens from the configuration file, already reduced to digests. */
  configTokens?: readonly TokenCredential[];
  configHash: string;
  sources: readonly SourceInstanceInput[];
  server?: Partial<{
    bodyLimitBytes: number;
    maxInFlightRequests: number;
    requestTimeoutMs: number;
    trustedProxies: readonly string[];
  }>;
  queue?: Partial<IngressSettings['queue']>;
  multiCluster?: Partial<IngressSettings['multiCluster']>;
}

export interface BuiltIngressSettings {
  settings: IngressSettings;
  /** Acceptable but risky choices (short tokens); the caller logs them. */
  warnings: string[];
}

export class IngressSettingsError extends Error {
  override readonly name = 'IngressSettingsError';
}

/** 12 hex characters of sha256 over the canonical JSON of `value` (object keys sorted). */
export function computeConfigHash(value: unknown): string {
  return sha256Hex(canonicalJson(value)).slice(0, 12);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Env tokens get ids `env-1`, `env-2`…, scope `signals` and every source (SPEC §3.1). */
export function envTokenCredentials(envTokens: readonly string[], warnings: string[]): TokenCredential[] {
  const credentials: TokenCredential[] = [];
  for (const raw of envTokens) {
    const token = raw.trim();
    if (token === '') continue;
    const id = `env-${credentials.length + 1}`;
    if (token.length < MIN_TOKEN_LENGTH) {
      throw new IngressSettingsError(`GATEWAY_AUTH_TOKENS token ${id} is shorter than ${MIN_TOKEN_LENGTH} characters`);
    }
    if (token.length < RECOMMENDED_TOKEN_LENGTH) {
      warnings.push(`token ${id} is shorter than ${RECOMMENDED_TOKEN_LENGTH} characters; use a longer random token`);
    }
    credentials.push({ id, sha256: tokenDigest(token).toString('hex'), scopes: ['signals'], sources: '*' });
  }
  return credentials;
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
    authMode,
    allowQueryToken: input.allowQueryToken ?? false,
    requireTimestamp: input.requireTimestamp ?? false,
    settings: {
      severityMap: input.settings?.severityMap ?? {},
      defaultSeverity: input.settings?.defaultSeverity ?? 'unknown',
      unresolvedTarget: input.settings?.unresolvedTarget ?? 'accept',
      clusterLabel,
    },
    options,
    rateLimitStatus: input.overloadStatus ?? definition.rateLimitStatus ?? definition.defaultOverloadStatus ?? 429,
    deliveryDedup: input.deliveryDedup ?? true,
  };
}

/**
 * Builds the settings snapshot from plain inputs (environment today, the configuration file later), so
 * main.ts and tests construct it the same way. Throws IngressSettingsError for values that must stop startup.
 */
export function buildIngressSettings(input: IngressSettingsInput): BuiltIngressSettings {
  const warnings: string[] = [];
  if (!/^[0-9a-f]{12}$/.test(input.configHash)) throw new IngressSettingsError('configHash must be 12 hex characters');
  const server = { ...INGRESS_DEFAULTS.server, ...input.server };
  const queue = { ...INGRESS_DEFAULTS.queue, ...input.queue };
  if (queue.lowWaterMark < 0 || queue.lowWaterMark >= queue.highWaterMark) {
    throw new IngressSettingsError('queue.lowWaterMark must be at least 0 and below queue.highWaterMark');
  }
  const multiCluster = { ...INGRESS_DEFAULTS.multiCluster, ...input.multiCluster };
  const tokens = [...envTokenCredentials(input.envTokens, warnings), ...(input.configTokens ?? [])];
  const ids = new Set<string>();
  for (const token of tokens) {
    if (ids.has(token.id)) throw new IngressSettingsError(`token id ${token.id} is used twice`);
    ids.add(token.id);
  }
  const sources = input.sources.map((source) => buildSourceInstance(source, multiCluster.clusterLabel));
  const names = new Set<string>();
  const routes = new Set<string>();
  for (const source of sources) {
    if (names.has(source.name)) throw new IngressSettingsError(`source ${source.name} is defined twice`);
    if (routes.has(source.route)) throw new IngressSettingsError(`route ${source.route} is used by two sources`);
    names.add(source.name);
    routes.add(source.route);
  }
  return {
    settings: {
      auth: { mode: input.authMode, tokens },
      server: {
        bodyLimitBytes: server.bodyLimitBytes,
        maxInFlightRequests: server.maxInFlightRequests,
        requestTimeoutMs: server.requestTimeoutMs,
        trustedProxies: compileTrustedProxies(server.trustedProxies),
      },
      queue,
      multiCluster,
      configHash: input.configHash,
      sources,
    },
    warnings,
  };
}
