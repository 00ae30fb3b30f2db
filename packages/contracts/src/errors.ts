/** Error codes of the one error family the gateway uses (docs/kubernetes-access.md#error-classification). */
export const ErrorCode = {
  k8sRateLimited: 'ERR_K8S_RATE_LIMITED',
  k8sUnavailable: 'ERR_K8S_UNAVAILABLE',
  k8sTimeout: 'ERR_K8S_TIMEOUT',
  k8sNetwork: 'ERR_K8S_NETWORK',
  k8sBadRequest: 'ERR_K8S_BAD_REQUEST',
  k8sForbidden: 'ERR_K8S_FORBIDDEN',
  k8sNotFound: 'ERR_K8S_NOT_FOUND',
  k8sInvalid: 'ERR_K8S_INVALID',
  circuitOpen: 'ERR_CIRCUIT_BREAKER_OPEN',
  redisUnavailable: 'ERR_REDIS_UNAVAILABLE',
  auditDelivery: 'ERR_AUDIT_DELIVERY',
  unknown: 'ERR_UNKNOWN',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface GatewayErrorFields {
  code: ErrorCode;
  operation: string;
  errorType: string;
  retryable: boolean;
  attempt?: number;
  maxAttempts?: number;
  httpStatus?: number;
  k8sReason?: string;
  requestId?: string;
  correlationId?: string;
  fingerprint?: string;
  rrName?: string;
  cluster?: string;
  cause?: unknown;
}

function shortId(value: string | undefined): string {
  return value ? `${value.slice(0, 12)}…` : '-';
}

/**
 * Every Kubernetes, Redis and Data Storage failure is wrapped in this one type so that callers decide on
 * `retryable` alone and logs and audit get the same structured fields. Translated to HTTP problems or
 * BullMQ UnrecoverableError only at the edges.
 */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  readonly code: ErrorCode;
  readonly operation: string;
  readonly errorType: string;
  readonly retryable: boolean;
  readonly attempt: number | undefined;
  readonly maxAttempts: number | undefined;
  readonly httpStatus: number | undefined;
  readonly k8sReason: string | undefined;
  readonly requestId: string | undefined;
  readonly correlationId: string | undefined;
  readonly fingerprint: string | undefined;
  readonly rrName: string | undefined;
  readonly cluster: string | undefined;

  constructor(fields: GatewayErrorFields) {
    const attempts =
      fields.attempt !== undefined ? ` after ${fields.attempt}/${fields.maxAttempts ?? fields.attempt} attempts` : '';
    const http =
      fields.httpStatus !== undefined
        ? `HTTP ${fields.httpStatus}${fields.k8sReason ? ` ${fields.k8sReason}` : ''}, `
        : '';
    const kind = fields.retryable ? 'retryable' : 'not retryable';
    super(
      `${fields.operation} failed${attempts} (${http}${kind}) [fingerprint=${shortId(fields.fingerprint)}, request=${shortId(fields.requestId)}, correlation=${shortId(fields.correlationId)}]`,
      { cause: fields.cause },
    );
    this.code = fields.code;
    this.operation = fields.operation;
    this.errorType = fields.errorType;
    this.retryable = fields.retryable;
    this.attempt = fields.attempt;
    this.maxAttempts = fields.maxAttempts;
    this.httpStatus = fields.httpStatus;
    this.k8sReason = fields.k8sReason;
    this.requestId = fields.requestId;
    this.correlationId = fields.correlationId;
    this.fingerprint = fields.fingerprint;
    this.rrName = fields.rrName;
    this.cluster = fields.cluster;
  }

  /** Same error with the signal's identifiers attached, for logs and audit. */
  withContext(
    context: Pick<
      GatewayErrorFields,
      'requestId' | 'correlationId' | 'fingerprint' | 'rrName' | 'attempt' | 'maxAttempts'
    >,
  ): GatewayError {
    return new GatewayError({ ...this.fields(), ...context });
  }

  fields(): GatewayErrorFields {
    return {
      code: this.code,
      operation: this.operation,
      errorType: this.errorType,
      retryable: this.retryable,
      attempt: this.attempt,
      maxAttempts: this.maxAttempts,
      httpStatus: this.httpStatus,
      k8sReason: this.k8sReason,
      requestId: this.requestId,
      correlationId: this.correlationId,
      fingerprint: this.fingerprint,
      rrName: this.rrName,
      cluster: this.cluster,
      cause: this.cause,
    };
  }
}
