import { setTimeout as delay } from 'node:timers/promises';

export interface RetryPolicy {
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { initialBackoffMs: 1_000, maxBackoffMs: 30_000 };

const JITTER_RATIO = 0.1;

/** Delay before retry `attempt` (1-based): doubling from the initial backoff up to the cap, ±10 % jitter. */
export function retryBackoffMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const base = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (1 + (random() * 2 - 1) * JITTER_RATIO));
}

/** Waits, but returns at once when the signal aborts, so a stopping shipper never sits out a backoff. */
export async function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  await delay(ms, undefined, { signal }).catch((error: unknown) => {
    if (!(error instanceof Error && error.name === 'AbortError')) throw error;
  });
}
