import { GatewayError } from '@gateway/contracts';
import { classifyKubeError } from './classify-error.js';
import { KubeErrorType } from './kube-error-type.js';
import { retryAfterMs } from './retry-after.js';

/** `retry.*` and `kubernetes.requestTimeout`, in milliseconds (docs/kubernetes-access.md#retry-policy). */
export interface RetryPolicy {
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  multiplier: number;
  /** Relative: 0.1 spreads each delay uniformly over ±10 %. */
  jitter: number;
  requestTimeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 3,
  initialBackoffMs: 100,
  maxBackoffMs: 5000,
  multiplier: 2,
  jitter: 0.1,
  requestTimeoutMs: 10_000,
};

export interface RetryHooks {
  /** Called before each in-process retry, after `error` ended attempt `attempt`. */
  onRetry?(operation: string, error: GatewayError, attempt: number, delayMs: number): void;
  /** Called when a retryable error used up every attempt; the job backoff takes over from here. */
  onExhausted?(operation: string, error: GatewayError): void;
  sleep?(ms: number): Promise<void>;
  /** Uniform in [0, 1); injectable so tests can pin the jitter. */
  random?(): number;
  now?(): number;
}

/**
 * Delay before retry number `retry` (1 = the first retry): exponential, capped, then jittered.
 * With the defaults: ≈100 ms, ≈200 ms.
 */
export function backoffDelayMs(policy: RetryPolicy, retry: number, random: () => number): number {
  const base = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.multiplier ** (retry - 1));
  const spread = (random() * 2 - 1) * policy.jitter;
  return Math.max(0, Math.round(base * (1 + spread)));
}

/**
 * Runs `attempt` up to `policy.maxAttempts` times. Each try gets an AbortSignal that fires after
 * `requestTimeoutMs` and is also abandoned at that moment, so a call that ignores its signal cannot stall the
 * worker. Non-retryable errors and an open circuit (the breaker stays open far longer than any backoff) are
 * thrown at once; the final error carries `attempt`/`maxAttempts`.
 */
export async function withRetry<T>(
  operation: string,
  attempt: (signal: AbortSignal) => Promise<T>,
  policy: RetryPolicy,
  hooks: RetryHooks = {},
): Promise<T> {
  const sleep = hooks.sleep ?? defaultSleep;
  const random = hooks.random ?? Math.random;
  const now = hooks.now ?? Date.now;
  const maxAttempts = Math.max(1, Math.floor(policy.maxAttempts));
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await runWithTimeout(attempt, policy.requestTimeoutMs);
    } catch (thrown) {
      const error = classifyKubeError(thrown, operation);
      const final = !error.retryable || error.errorType === KubeErrorType.circuitOpen || attemptNumber >= maxAttempts;
      if (final) {
        if (error.retryable && error.errorType !== KubeErrorType.circuitOpen) hooks.onExhausted?.(operation, error);
        throw new GatewayError({ ...error.fields(), attempt: attemptNumber, maxAttempts });
      }
      const delayMs = retryDelayMs(policy, attemptNumber, random, error, now());
      hooks.onRetry?.(operation, error, attemptNumber, delayMs);
      await sleep(delayMs);
    }
  }
}

function retryDelayMs(
  policy: RetryPolicy,
  retry: number,
  random: () => number,
  error: GatewayError,
  nowMs: number,
): number {
  const backoff = backoffDelayMs(policy, retry, random);
  if (error.errorType !== KubeErrorType.rateLimited) return backoff;
  const requested = retryAfterMs(error.cause, nowMs);
  return requested === undefined ? backoff : Math.max(backoff, Math.min(requested, policy.maxBackoffMs));
}

async function runWithTimeout<T>(attempt: (signal: AbortSignal) => Promise<T>, timeoutMs: number): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const reason = new DOMException(`attempt timed out after ${timeoutMs} ms`, 'TimeoutError');
      controller.abort(reason);
      reject(reason);
    }, timeoutMs);
  });
  try {
    return await Promise.race([attempt(controller.signal), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
