import type { GatewayConfig, RateLimit } from '@gateway/config';
import type { SourceType } from '@gateway/contracts';
import type { AuthMode, CommonSourceSettings, SourceContext, SourceDefinition } from '@gateway/sources';
import type { TrustedProxies } from '../http/client-ip.js';

export const TOKEN_SCOPES = ['signals', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** A configured token; only its SHA-256 digest is kept in memory (docs/security.md#tokens). */
export interface TokenCredential {
  id: string;
  /**
   * The token's SHA-256, 32 bytes, decoded once when the settings are built rather than from hex on every
   * request that presents a token.
   */
  digest: Buffer;
  scopes: readonly TokenScope[];
  /** Source instance names this token may post to, or `*` for every source. */
  sources: '*' | readonly string[];
  /** Every signal this token sends belongs to this cluster, whatever the payload says. */
  clusterId?: string;
  /** Whether this sender may name the cluster with `X-Cluster-ID`. */
  allowClusterHeader: boolean;
  /** Overrides `rateLimits.perToken` for this token. */
  rateLimit?: RateLimit;
}

export type SourceCapabilities = Pick<SourceContext, 'httpsGet' | 'fetchCertificate'>;

export interface SourceInstance {
  name: string;
  /** Path under `/api/v1/signals/`. */
  route: string;
  enabled: boolean;
  definition: SourceDefinition<unknown>;
  /** The adapter family; definitions whose type is not built in are plugins. */
  sourceType: SourceType;
  /** `signalSource` of the signals and the `source_type` metric label: configured (custom, plugin) or the adapter's. */
  signalSource: string;
  /** Media types this instance accepts besides JSON (docs/http-api.md#body-and-media-types). */
  contentTypes: readonly string[];
  authMode: AuthMode;
  allowQueryToken: boolean;
  requireTimestamp: boolean;
  settings: CommonSourceSettings;
  /** Already validated by the definition's `optionsSchema`. */
  options: unknown;
  /** Outbound calls the adapter makes, built once per snapshot so their caches outlive requests (SNS certificates). */
  capabilities: SourceCapabilities;
  /**
   * `sources.<name>.overloadStatus`: the status of a rate-limit answer, chosen by what this sender retries
   * (docs/signals-and-sources.md#settings-every-source-has). Queue and Redis overload always answer 503.
   */
  rateLimitStatus: 429 | 503;
  /** Overrides `rateLimits.perSource` for this source. */
  rateLimit?: RateLimit;
  /** Off: the adapter's delivery key is dropped, so a redelivery counts as a new occurrence. */
  deliveryDedup: boolean;
}

/**
 * One immutable snapshot of everything a request needs. A request reads it once at its start, so a reload
 * that swaps the snapshot never changes the rules half-way through a request.
 */
export interface IngressSettings {
  auth: {
    mode: 'token' | 'none';
    tokens: readonly TokenCredential[];
  };
  server: {
    bodyLimitBytes: number;
    maxInFlightRequests: number;
    /** Signal requests are refused while the event loop runs later than this (server.maxEventLoopDelay). */
    maxEventLoopDelayMs: number;
    requestTimeoutMs: number;
    trustedProxies: TrustedProxies;
  };
  queue: {
    highWaterMark: number;
    lowWaterMark: number;
    retryAfterSeconds: number;
  };
  rateLimits: {
    enabled: boolean;
    perToken: RateLimit;
    perSource: RateLimit;
  };
  audit: {
    /** Stream entries at which ingress refuses signals rather than lose audit (docs/audit.md#backlog). */
    maxBacklog: number;
    maxBacklogBytes: number;
  };
  multiCluster: {
    enabled: boolean;
    clusterLabel: string;
    defaultClusterId: string;
  };
  logging: {
    /** `logging.logPayloads`: each received payload at debug level, secrets redacted. */
    logPayloads: boolean;
  };
  /** 12 hex characters identifying the configuration that parsed a signal. */
  configHash: string;
  /** What `GET /admin/config` shows: the effective configuration, secrets already redacted. */
  redactedConfig: GatewayConfig;
  sources: readonly SourceInstance[];
}
