import type { SignalDraft, SourceType } from '@gateway/contracts';
import type { ZodType } from 'zod';
import type { CertificateFetcher } from './cloudwatch/certificate-fetcher.js';
import type { HttpsGet } from './cloudwatch/https-get.js';

/** The delivery as ingress read it; headers have lowercase names. */
export interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  rawBody: Uint8Array;
  /** The parsed JSON body, present when the body is JSON. */
  json?: unknown;
  receivedAt: Date;
}

/** Settings every source instance has (docs/signals-and-sources.md) that adapters apply while normalising. */
export interface CommonSourceSettings {
  severityMap: Record<string, string>;
  defaultSeverity: string;
  unresolvedTarget: 'accept' | 'reject';
  /** Label that carries the cluster id candidate (`multiCluster.clusterLabel`). */
  clusterLabel: string;
}

export interface SourceContext<O = unknown> {
  /** Source instance name, e.g. `prometheus`. */
  name: string;
  sourceType: SourceType;
  signalSource: string;
  options: O;
  settings: CommonSourceSettings;
  now(): Date;
  /** Outbound HTTPS the ingress provides to sources that call their sender back (SNS confirmations). */
  httpsGet?: HttpsGet;
  /** Signing certificates by URL, cached across requests by whoever provides it (SNS). */
  fetchCertificate?: CertificateFetcher;
}

export interface IgnoredItem {
  index: number;
  reason: string;
}

export interface RejectedItem {
  index: number;
  /** JSON Pointer into the body. */
  pointer: string;
  message: string;
}

export interface ParseResult {
  signals: SignalDraft[];
  ignored: IgnoredItem[];
  rejected: RejectedItem[];
  /** Counters the ingress turns into metrics (docs/observability.md#metrics). */
  stats?: { truncatedAlerts?: number; unresolvedTargets?: number };
}

export type AuthMode = 'token' | 'signature' | 'token-and-signature' | 'none';

export type VerifyResult =
  | { ok: true; principal?: { type: 'signature'; id: string } }
  | {
      ok: false;
      status: 401 | 403 | 503;
      detail: string;
      /**
       * A signed timestamp outside the replay window: answer `400 replay-rejected`. `status` stays 401
       * so that a caller unaware of this field still refuses the request.
       */
      problem?: 'replay-rejected';
    };

export interface HttpReply {
  status: number;
  body: Record<string, unknown>;
}

/** One contract for built-in adapters and plugins (docs/signals-and-sources.md#plugins). */
export interface SourceDefinition<O = unknown> {
  apiVersion: 1;
  type: string;
  signalSource: string;
  contentTypes?: string[];
  defaultAuthMode?: AuthMode;
  /** Default of `allowQueryToken` for senders that cannot send headers (Azure action groups). */
  defaultAllowQueryToken?: boolean;
  defaultOverloadStatus?: 429 | 503;
  /** Status for a rate-limited request, chosen by what the sender retries (docs/signals-and-sources.md). */
  rateLimitStatus?: 429 | 503;
  optionsSchema?: ZodType<O>;
  verify?(req: RawRequest, ctx: SourceContext<O>): Promise<VerifyResult>;
  handshake?(req: RawRequest, ctx: SourceContext<O>): Promise<HttpReply | undefined>;
  /**
   * True for a delivery the sender cannot sign (SNS raw message delivery): ingress then requires a token for it,
   * query token included, and skips `verify`. `verify` still refuses such deliveries, so ignoring this hook fails closed.
   */
  isUnsignedDelivery?(req: RawRequest): boolean;
  parse(req: RawRequest, ctx: SourceContext<O>): Promise<ParseResult>;
}

export function defineSource<O>(definition: SourceDefinition<O>): SourceDefinition<O> {
  return definition;
}

/**
 * A body-level problem that makes the whole delivery invalid (e.g. no `alerts`); ingress answers
 * `400 validation-error` with `message` as the detail and `pointer` in `errors`.
 */
export class SourceInputError extends Error {
  override readonly name = 'SourceInputError';
  constructor(
    message: string,
    readonly pointer = '',
  ) {
    super(message);
  }
}
