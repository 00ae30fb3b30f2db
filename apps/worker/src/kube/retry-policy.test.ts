import { ErrorCode, GatewayError } from '@gateway/contracts';
import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, type RetryPolicy, withRetry } from './retry-policy.js';

const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, maxAttempts: 5 };

function failing(...errors: unknown[]): { attempt: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    attempt: async () => {
      const error = errors[calls++];
      if (error === undefined) return 'done';
      throw error;
    },
    calls: () => calls,
  };
}

function recorder() {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms), random: () => 0.5 };
}

const unavailable = () => new ApiException(503, 'Service Unavailable', '', {});

describe('backoffDelayMs', () => {
  it('doubles from the initial backoff and caps at the maximum', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((retry) => backoffDelayMs(policy, retry, () => 0.5));
    expect(delays).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
  });

  it('spreads each delay by at most the jitter fraction either way', () => {
    expect(backoffDelayMs(policy, 2, () => 0)).toBe(180);
    expect(backoffDelayMs(policy, 2, () => 0.999999)).toBe(220);
    expect(backoffDelayMs({ ...policy, jitter: 0 }, 2, Math.random)).toBe(200);
  });
});

describe('withRetry', () => {
  it('retries retryable failures with the backoff sequence and returns the first success', async () => {
    const call = failing(unavailable(), unavailable(), unavailable());
    const runtime = recorder();
    const retried: string[] = [];
    const result = await withRetry('rr.create', call.attempt, policy, {
      ...runtime,
      onRetry: (operation, error, attempt) => retried.push(`${operation}:${error.errorType}:${attempt}`),
    });
    expect(result).toBe('done');
    expect(call.calls()).toBe(4);
    expect(runtime.delays).toEqual([100, 200, 400]);
    expect(retried).toEqual([
      'rr.create:service_unavailable:1',
      'rr.create:service_unavailable:2',
      'rr.create:service_unavailable:3',
    ]);
  });

  it('throws a non-retryable error at once with attempt 1', async () => {
    const call = failing(new ApiException(422, 'Unprocessable', '{"reason":"Invalid"}', {}));
    const runtime = recorder();
    const error = await withRetry('rr.create', call.attempt, policy, runtime).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ errorType: 'unprocessable_entity', retryable: false, attempt: 1, maxAttempts: 5 });
    expect(call.calls()).toBe(1);
    expect(runtime.delays).toEqual([]);
  });

  it('throws the last error with attempt and maxAttempts set when attempts run out', async () => {
    const call = failing(unavailable(), unavailable(), unavailable(), unavailable());
    const runtime = recorder();
    const exhausted: string[] = [];
    const error = await withRetry(
      'rr.get',
      call.attempt,
      { ...policy, maxAttempts: 3 },
      {
        ...runtime,
        onExhausted: (operation, e) => exhausted.push(`${operation}:${e.errorType}`),
      },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: ErrorCode.k8sUnavailable,
      retryable: true,
      attempt: 3,
      maxAttempts: 3,
      httpStatus: 503,
    });
    expect((error as Error).message).toContain('rr.get failed after 3/3 attempts');
    expect(call.calls()).toBe(3);
    expect(exhausted).toEqual(['rr.get:service_unavailable']);
  });

  it('waits as long as Retry-After asks on a 429, capped by the maximum backoff', async () => {
    const call = failing(
      new ApiException(429, 'Too Many Requests', '', { 'retry-after': '2' }),
      new ApiException(429, 'Too Many Requests', '', { 'retry-after': '60' }),
      new ApiException(429, 'Too Many Requests', '', {}),
    );
    const runtime = recorder();
    await withRetry('rr.create', call.attempt, policy, runtime);
    expect(runtime.delays).toEqual([2000, 5000, 400]);
  });

  it('does not retry in-process when the circuit is open', async () => {
    const open = new GatewayError({
      code: ErrorCode.circuitOpen,
      operation: 'rr.create',
      errorType: 'circuit_open',
      retryable: true,
    });
    const call = failing(open, open);
    const runtime = recorder();
    const error = await withRetry('rr.create', call.attempt, policy, runtime).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.circuitOpen, retryable: true, attempt: 1 });
    expect(call.calls()).toBe(1);
  });

  it('aborts an attempt that outlives the request timeout and classifies it as a timeout', async () => {
    const signals: AbortSignal[] = [];
    const hang = (signal: AbortSignal) => {
      signals.push(signal);
      return new Promise<never>(() => {});
    };
    const runtime = recorder();
    const error = await withRetry('rr.get', hang, { ...policy, maxAttempts: 2, requestTimeoutMs: 20 }, runtime).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ errorType: 'timeout', code: ErrorCode.k8sTimeout, attempt: 2 });
    expect(signals.map((signal) => signal.aborted)).toEqual([true, true]);
  });
});
