import { STATUS_CODES } from 'node:http';
import { ErrorCode, GatewayError } from '@gateway/contracts';
import { KubeErrorType } from './kube-error-type.js';
import { parseJsonText } from './parse-json-text.js';

interface HttpOutcome {
  errorType: KubeErrorType;
  code: ErrorCode;
  retryable: boolean;
}

/**
 * 401 is retryable because service-account tokens rotate and the next attempt re-reads them.
 * 409 has no GatewayError code of its own; `errorType` tells AlreadyExists from other conflicts.
 * (docs/kubernetes-access.md#error-classification)
 */
const HTTP_OUTCOMES: ReadonlyMap<number, HttpOutcome> = new Map([
  [400, { errorType: KubeErrorType.badRequest, code: ErrorCode.k8sBadRequest, retryable: false }],
  [401, { errorType: KubeErrorType.unauthorized, code: ErrorCode.k8sForbidden, retryable: true }],
  [403, { errorType: KubeErrorType.forbidden, code: ErrorCode.k8sForbidden, retryable: false }],
  [404, { errorType: KubeErrorType.notFound, code: ErrorCode.k8sNotFound, retryable: false }],
  [409, { errorType: KubeErrorType.conflict, code: ErrorCode.unknown, retryable: true }],
  [422, { errorType: KubeErrorType.unprocessableEntity, code: ErrorCode.k8sInvalid, retryable: false }],
  [429, { errorType: KubeErrorType.rateLimited, code: ErrorCode.k8sRateLimited, retryable: true }],
  [500, { errorType: KubeErrorType.internalError, code: ErrorCode.k8sUnavailable, retryable: true }],
  [502, { errorType: KubeErrorType.badGateway, code: ErrorCode.k8sUnavailable, retryable: true }],
  [503, { errorType: KubeErrorType.serviceUnavailable, code: ErrorCode.k8sUnavailable, retryable: true }],
  [504, { errorType: KubeErrorType.gatewayTimeout, code: ErrorCode.k8sTimeout, retryable: true }],
]);

const ALREADY_EXISTS: HttpOutcome = {
  errorType: KubeErrorType.alreadyExists,
  code: ErrorCode.unknown,
  retryable: false,
};
const UNKNOWN_HTTP: HttpOutcome = { errorType: KubeErrorType.unknown, code: ErrorCode.unknown, retryable: true };

const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);
const TIMEOUT_ERROR_CODES: ReadonlySet<string> = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
const TLS_ERROR_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$)/;
const NETWORK_MESSAGE = /socket hang up|other side closed|fetch failed/i;

/**
 * Maps whatever @kubernetes/client-node 2 throws to one GatewayError: `ApiException`
 * (numeric `code`, Status JSON `body`), undici fetch failures (`TypeError: fetch failed` whose `cause`, or an
 * AggregateError inside it, carries the socket error code) and aborts. A GatewayError is returned unchanged.
 */
export function classifyKubeError(error: unknown, operation: string): GatewayError {
  if (error instanceof GatewayError) return error;
  const httpStatus = httpStatusOf(error);
  if (httpStatus !== undefined) {
    const k8sReason = statusReasonOf(error) ?? reasonFromStatusText(httpStatus);
    const outcome =
      httpStatus === 409 && k8sReason === 'AlreadyExists'
        ? ALREADY_EXISTS
        : (HTTP_OUTCOMES.get(httpStatus) ?? UNKNOWN_HTTP);
    return new GatewayError({ ...outcome, operation, httpStatus, k8sReason, cause: error });
  }
  const causes = causeChain(error);
  if (causes.some(isTimeout)) {
    return new GatewayError({
      code: ErrorCode.k8sTimeout,
      operation,
      errorType: KubeErrorType.timeout,
      retryable: true,
      cause: error,
    });
  }
  if (causes.some(isNetworkFailure)) {
    return new GatewayError({
      code: ErrorCode.k8sNetwork,
      operation,
      errorType: KubeErrorType.networkError,
      retryable: true,
      cause: error,
    });
  }
  return new GatewayError({
    code: ErrorCode.unknown,
    operation,
    errorType: KubeErrorType.unknown,
    retryable: true,
    cause: error,
  });
}

function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  const status = typeof code === 'number' ? code : statusCode;
  return typeof status === 'number' && status >= 100 && status <= 599 ? status : undefined;
}

/** The `reason` of the Kubernetes Status object in the body (client-node passes the body as text). */
function statusReasonOf(error: unknown): string | undefined {
  const body = (error as { body?: unknown }).body;
  const status = typeof body === 'string' ? parseJsonText(body) : body;
  const reason = (status as { reason?: unknown } | undefined)?.reason;
  return typeof reason === 'string' && reason !== '' ? reason : undefined;
}

/** `Service Unavailable` → `ServiceUnavailable`, the form Kubernetes uses in Status reasons. */
function reasonFromStatusText(httpStatus: number): string | undefined {
  return STATUS_CODES[httpStatus]?.replace(/[^A-Za-z]/g, '');
}

/** The error, its `cause`s and the members of AggregateErrors among them (undici reports one per address). */
function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  const pending = [error];
  while (pending.length > 0 && chain.length < 20) {
    const current = pending.shift();
    if (typeof current !== 'object' || current === null || chain.includes(current)) continue;
    chain.push(current);
    const { cause, errors } = current as { cause?: unknown; errors?: unknown };
    pending.push(cause);
    if (Array.isArray(errors)) pending.push(...errors);
  }
  return chain;
}

function isTimeout(error: unknown): boolean {
  const { name, code } = error as { name?: unknown; code?: unknown };
  return (
    name === 'TimeoutError' || name === 'AbortError' || (typeof code === 'string' && TIMEOUT_ERROR_CODES.has(code))
  );
}

function isNetworkFailure(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (NETWORK_ERROR_CODES.has(code) || TLS_ERROR_CODE.test(code))) return true;
  return typeof message === 'string' && NETWORK_MESSAGE.test(message);
}
