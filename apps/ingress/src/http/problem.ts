import type { ProblemDetails, ProblemFieldError, ProblemSlug } from '@gateway/contracts';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPES, problemType } from '@gateway/contracts';

/** Label values of `gateway_requests_rejected_total{reason}` (docs/observability.md#metrics). */
export const RejectReason = {
  rateLimited: 'rate_limited',
  queueFull: 'queue_full',
  redisUnavailable: 'redis_unavailable',
  inFlightLimit: 'in_flight_limit',
  overloaded: 'overloaded',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  signatureInvalid: 'signature_invalid',
  replay: 'replay',
  tooLarge: 'too_large',
  mediaType: 'media_type',
  malformed: 'malformed',
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

export const INTERNAL_ERROR_DETAIL = 'Internal error; quote the request id when reporting';

export interface ProblemOptions {
  /** Response headers such as Retry-After, WWW-Authenticate, Allow or Accept-Post. */
  headers?: Record<string, string>;
  errors?: ProblemFieldError[];
  /** Extension members (e.g. `configHash`, `checks` on /readyz). */
  extensions?: Record<string, unknown>;
  /** Counted in gateway_requests_rejected_total when the request reached a source. */
  reason?: RejectReason;
  /** Overrides the type's default status (`rate-limited` answers 429 or 503). */
  status?: number;
}

/**
 * Thrown anywhere in a request; `app.onError` renders it. `detail` must tell the sender what to fix and must
 * never carry body content, addresses or credentials.
 */
export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  readonly status: number;
  constructor(
    readonly slug: ProblemSlug,
    readonly detail: string,
    readonly options: ProblemOptions = {},
  ) {
    super(`${slug}: ${detail}`);
    this.status = options.status ?? PROBLEM_TYPES[slug].status;
  }
}

export function problemBody(error: ProblemError, instance: string, requestId: string): ProblemDetails {
  return {
    ...error.options.extensions,
    type: problemType(error.slug),
    title: PROBLEM_TYPES[error.slug].title,
    status: error.status,
    detail: error.detail,
    instance,
    request_id: requestId,
    ...(error.options.errors && error.options.errors.length > 0 ? { errors: error.options.errors } : {}),
  };
}

export function problemResponse(error: ProblemError, instance: string, requestId: string): Response {
  return new Response(JSON.stringify(problemBody(error, instance, requestId)), {
    status: error.status,
    headers: { 'Content-Type': PROBLEM_CONTENT_TYPE, ...error.options.headers },
  });
}

/** 429 and every 503 carry Retry-After in whole seconds, at least 1 (docs/http-api.md#problem-types). */
export function retryAfter(seconds: number): Record<string, string> {
  return { 'Retry-After': String(Math.max(1, Math.ceil(seconds))) };
}
