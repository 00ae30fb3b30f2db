import { describe, expect, it } from 'vitest';
import { isWindowClosed } from './window-closed.js';

const nowMs = Date.parse('2025-01-02T03:00:00.000Z');
const noHold = { manualReview: false, backoff: false };
const facts = (phase: string, extra: { manualReviewRequired?: boolean; nextAllowedExecutionMs?: number } = {}) => ({
  phase,
  manualReviewRequired: extra.manualReviewRequired ?? false,
  nextAllowedExecutionMs: extra.nextAllowedExecutionMs,
});

describe('isWindowClosed', () => {
  it.each(['Completed', 'Failed', 'TimedOut', 'Skipped', 'Cancelled'])(
    'closes the window for terminal phase %s',
    (phase) => {
      expect(isWindowClosed(facts(phase), noHold, nowMs)).toBe(true);
    },
  );

  it.each(['', 'Pending', 'Processing', 'Blocked', 'SomeFuturePhase', 'completed'])(
    'keeps the window open for phase %j',
    (phase) => {
      expect(isWindowClosed(facts(phase), noHold, nowMs)).toBe(false);
    },
  );

  it('holds a terminal RR awaiting manual review only when the option is on', () => {
    const review = facts('Completed', { manualReviewRequired: true });
    expect(isWindowClosed(review, noHold, nowMs)).toBe(true);
    expect(isWindowClosed(review, { manualReview: true, backoff: false }, nowMs)).toBe(false);
  });

  it('holds a terminal RR in backoff until nextAllowedExecution only when the option is on', () => {
    const backingOff = facts('Failed', { nextAllowedExecutionMs: nowMs + 1000 });
    const hold = { manualReview: false, backoff: true };
    expect(isWindowClosed(backingOff, noHold, nowMs)).toBe(true);
    expect(isWindowClosed(backingOff, hold, nowMs)).toBe(false);
    expect(isWindowClosed(backingOff, hold, nowMs + 1000)).toBe(true);
  });
});
