import { ErrorCode, GatewayError } from '@gateway/contracts';
import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { classifyKubeError } from './classify-error.js';

function apiException(code: number, reason?: string): ApiException<unknown> {
  const body = reason === undefined ? undefined : JSON.stringify({ kind: 'Status', status: 'Failure', reason, code });
  return new ApiException(code, 'Unknown API Status Code!', body, {});
}

function fetchFailure(cause: unknown): TypeError {
  return new TypeError('fetch failed', { cause });
}

function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });
}

describe('classifyKubeError', () => {
  it.each([
    [400, 'BadRequest', 'bad_request', ErrorCode.k8sBadRequest, false],
    [401, 'Unauthorized', 'unauthorized', ErrorCode.k8sForbidden, true],
    [403, 'Forbidden', 'forbidden', ErrorCode.k8sForbidden, false],
    [404, 'NotFound', 'not_found', ErrorCode.k8sNotFound, false],
    [409, 'Conflict', 'conflict', ErrorCode.unknown, true],
    [422, 'Invalid', 'unprocessable_entity', ErrorCode.k8sInvalid, false],
    [429, 'TooManyRequests', 'rate_limited', ErrorCode.k8sRateLimited, true],
    [500, 'InternalError', 'internal_error', ErrorCode.k8sUnavailable, true],
    [502, undefined, 'bad_gateway', ErrorCode.k8sUnavailable, true],
    [503, 'ServiceUnavailable', 'service_unavailable', ErrorCode.k8sUnavailable, true],
    [504, 'Timeout', 'gateway_timeout', ErrorCode.k8sTimeout, true],
    [418, undefined, 'unknown', ErrorCode.unknown, true],
  ] as const)('maps HTTP %i to %s', (status, reason, errorType, code, retryable) => {
    const error = classifyKubeError(apiException(status, reason), 'rr.create');
    expect(error).toBeInstanceOf(GatewayError);
    expect({
      errorType: error.errorType,
      code: error.code,
      retryable: error.retryable,
      httpStatus: error.httpStatus,
    }).toEqual({
      errorType,
      code,
      retryable,
      httpStatus: status,
    });
    expect(error.operation).toBe('rr.create');
  });

  it('tells AlreadyExists apart from other conflicts by the Status reason', () => {
    const error = classifyKubeError(apiException(409, 'AlreadyExists'), 'rr.create');
    expect(error.errorType).toBe('already_exists');
    expect(error.retryable).toBe(false);
    expect(error.k8sReason).toBe('AlreadyExists');
  });

  it('derives the reason from the status text when the body has none', () => {
    const error = classifyKubeError(apiException(503), 'rr.get');
    expect(error.k8sReason).toBe('ServiceUnavailable');
    expect(error.message).toContain('HTTP 503 ServiceUnavailable');
  });

  it.each([
    'ECONNREFUSED',
    'ECONNRESET',
    'EPIPE',
    'ETIMEDOUT',
    'ENOTFOUND',
    'EAI_AGAIN',
    'UND_ERR_SOCKET',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'ERR_TLS_CERT_ALTNAME_INVALID',
  ])('maps a fetch failure caused by %s to a retryable network error', (code) => {
    const error = classifyKubeError(fetchFailure(socketError(code)), 'rr.create');
    expect([error.errorType, error.code, error.retryable]).toEqual(['network_error', ErrorCode.k8sNetwork, true]);
  });

  it('finds the socket code inside an AggregateError of several addresses', () => {
    const cause = new AggregateError([socketError('ECONNREFUSED'), socketError('ECONNREFUSED')], 'connect failed');
    expect(classifyKubeError(fetchFailure(cause), 'rr.get').errorType).toBe('network_error');
  });

  it('maps socket hang up without a code to a network error', () => {
    expect(classifyKubeError(new Error('socket hang up'), 'rr.get').errorType).toBe('network_error');
  });

  it.each([
    ['a timeout abort', new DOMException('timed out', 'TimeoutError')],
    ['a plain abort', new DOMException('aborted', 'AbortError')],
    [
      'an undici headers timeout',
      fetchFailure(Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' })),
    ],
  ])('maps %s to a retryable timeout', (_, thrown) => {
    const error = classifyKubeError(thrown, 'rr.patchStatus');
    expect([error.errorType, error.code, error.retryable]).toEqual(['timeout', ErrorCode.k8sTimeout, true]);
  });

  it('maps anything else to a retryable unknown error and keeps it as the cause', () => {
    const thrown = new RangeError('weird');
    const error = classifyKubeError(thrown, 'rr.create');
    expect([error.errorType, error.code, error.retryable, error.cause]).toEqual([
      'unknown',
      ErrorCode.unknown,
      true,
      thrown,
    ]);
  });

  it('returns a GatewayError unchanged', () => {
    const open = new GatewayError({
      code: ErrorCode.circuitOpen,
      operation: 'rr.create',
      errorType: 'circuit_open',
      retryable: true,
    });
    expect(classifyKubeError(open, 'rr.get')).toBe(open);
  });
});
