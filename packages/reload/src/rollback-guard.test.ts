import { AutoRollbackConfigSchema } from '@gateway/config';
import { describe, expect, it } from 'vitest';
import { createRollbackGuard, ROLLBACK_BUCKET_MS } from './rollback-guard.js';

function guardAt(overrides: Record<string, unknown> = {}) {
  const clock = { nowMs: 1_000_000 };
  const settings = AutoRollbackConfigSchema.parse({ enabled: true, ...overrides });
  const guard = createRollbackGuard({ settings: () => settings, nowMs: () => clock.nowMs });
  const record = (requests: number, errors: number) => {
    for (let i = 0; i < requests; i += 1) guard.record(i < errors);
  };
  return { guard, clock, record };
}

describe('rollback-guard', () => {
  it('trips when the ratio after a reload reaches max(baseline × factor, baseline + minIncrease)', () => {
    const { guard, clock, record } = guardAt();
    record(200, 10); // baseline 0.05 → threshold max(0.10, 0.10)
    guard.reloaded('aaaaaaaaaaaa');
    clock.nowMs += 130_000;
    record(210, 20);
    expect(guard.check()).toBeUndefined();
    record(40, 25); // 45 / 250 = 0.18
    const trip = guard.check();
    expect(trip).toMatchObject({ configHash: 'aaaaaaaaaaaa', errors: 45, requests: 250 });
    expect(trip?.reason).toBe(
      'automatic rollback: error ratio 0.180 (45/250) exceeded 0.100 within 2m10s of reload aaaaaaaaaaaa',
    );
    // Tripped once: the reload is undone, nothing is left to watch.
    expect(guard.check()).toBeUndefined();
  });

  it('uses a baseline of 0 when fewer than minRequests came before the reload', () => {
    const { guard, record } = guardAt();
    record(10, 10);
    guard.reloaded('bbbbbbbbbbbb');
    record(50, 3); // 0.06 ≥ minIncrease 0.05, but fewer than minErrors (10)
    expect(guard.check()).toBeUndefined();
    record(50, 7); // 10 / 100
    expect(guard.check()?.threshold).toBe(0.05);
  });

  it('does not trip below minRequests, after the window, or when disabled', () => {
    const small = guardAt();
    small.guard.reloaded('c');
    small.record(49, 49);
    expect(small.guard.check()).toBeUndefined();

    const late = guardAt({ window: '1m' });
    late.guard.reloaded('d');
    late.record(100, 100);
    late.clock.nowMs += 60_000 + ROLLBACK_BUCKET_MS;
    expect(late.guard.check()).toBeUndefined();

    const off = guardAt({ enabled: false });
    off.guard.reloaded('e');
    off.record(100, 100);
    expect(off.guard.check()).toBeUndefined();
  });

  it('forgets the baseline older than five minutes', () => {
    const { guard, clock, record } = guardAt();
    record(1000, 900); // a bad hour long gone
    clock.nowMs += 6 * 60_000;
    record(100, 0);
    guard.reloaded('f');
    record(100, 10); // 0.10 against a fresh baseline of 0 → trips
    expect(guard.check()?.threshold).toBe(0.05);
  });
});
