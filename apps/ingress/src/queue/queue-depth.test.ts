import { describe, expect, it } from 'vitest';
import { backlogDepth, nextBackpressure, oldestWaitingAgeSeconds } from './queue-depth.js';

const marks = { highWaterMark: 100, lowWaterMark: 80 };

describe('queue-depth', () => {
  it('counts waiting, prioritized and delayed jobs, not active or failed ones', () => {
    expect(backlogDepth({ waiting: 1, prioritized: 2, delayed: 3, active: 50, failed: 70 })).toBe(6);
  });

  it('turns backpressure on at the high-water mark', () => {
    expect(nextBackpressure(false, 99, marks)).toBe(false);
    expect(nextBackpressure(false, 100, marks)).toBe(true);
  });

  it('keeps the current state between the marks and turns off at the low-water mark', () => {
    expect(nextBackpressure(true, 81, marks)).toBe(true);
    expect(nextBackpressure(false, 81, marks)).toBe(false);
    expect(nextBackpressure(true, 80, marks)).toBe(false);
  });

  it('reads the oldest waiting age as 0 when nothing waits or the job comes from a clock ahead of this one', () => {
    expect(oldestWaitingAgeSeconds(undefined, 10_000)).toBe(0);
    expect(oldestWaitingAgeSeconds(12_000, 10_000)).toBe(0);
    expect(oldestWaitingAgeSeconds(7_500, 10_000)).toBe(2.5);
  });
});
