import { describe, expect, it } from 'vitest';
import { waitFor } from './wait-for.js';

describe('waitFor', () => {
  it('resolves with the first truthy value when the predicate becomes true', async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls >= 3 ? { calls } : false), { timeoutMs: 2000, intervalMs: 1 });
    expect(value).toEqual({ calls: 3 });
  });

  it('treats a throwing predicate as not yet and reports its last error on timeout', async () => {
    await expect(
      waitFor(
        () => {
          throw new Error('still 0 RRs');
        },
        { timeoutMs: 50, intervalMs: 5, description: 'the RR' },
      ),
    ).rejects.toThrow(/timed out after 50 ms for the RR .*still 0 RRs/);
  });

  it('accepts 0 and empty strings as values because only false, null and undefined mean not yet', async () => {
    await expect(waitFor(() => 0, { timeoutMs: 50 })).resolves.toBe(0);
  });
});
