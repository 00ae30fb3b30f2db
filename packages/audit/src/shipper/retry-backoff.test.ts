import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, retryBackoffMs, sleepUnlessAborted } from './retry-backoff.js';

describe('retry backoff', () => {
  it('doubles from the initial backoff up to the cap', () => {
    const middle = () => 0.5;
    const delays = [1, 2, 3, 4, 5, 6, 7, 12].map((attempt) => retryBackoffMs(attempt, DEFAULT_RETRY_POLICY, middle));
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('spreads each delay by at most ten percent either way', () => {
    expect(retryBackoffMs(1, DEFAULT_RETRY_POLICY, () => 0)).toBe(900);
    expect(retryBackoffMs(1, DEFAULT_RETRY_POLICY, () => 1)).toBe(1_100);
    expect(retryBackoffMs(9, DEFAULT_RETRY_POLICY, () => 1)).toBe(33_000);
  });

  it('ends a sleep at once when aborted', async () => {
    const controller = new AbortController();
    const startedAt = performance.now();
    const sleeping = sleepUnlessAborted(3_600_000, controller.signal);
    controller.abort();
    await sleeping;
    expect(performance.now() - startedAt).toBeLessThan(4_000);
  });
});
