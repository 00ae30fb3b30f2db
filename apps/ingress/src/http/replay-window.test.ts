import { describe, expect, it } from 'vitest';
import { checkReplayWindow } from './replay-window.js';

const nowMs = 1_700_000_000_000;
const now = nowMs / 1000;

describe('replay-window', () => {
  it('accepts timestamps from 300 s in the past to 120 s in the future', () => {
    for (const seconds of [now, now - 300, now + 120])
      expect(checkReplayWindow(String(seconds), nowMs, true)).toBeUndefined();
  });

  it('rejects timestamps outside the window with the documented detail', () => {
    expect(checkReplayWindow(String(now - 301), nowMs, false)).toBe('timestamp too old');
    expect(checkReplayWindow(String(now + 121), nowMs, false)).toBe('timestamp in the future');
    expect(checkReplayWindow('1.5', nowMs, false)).toBe('timestamp is not an integer');
    expect(checkReplayWindow('-1', nowMs, false)).toBe('timestamp is negative');
  });

  it('requires the header only where the source asks for it', () => {
    expect(checkReplayWindow(undefined, nowMs, false)).toBeUndefined();
    expect(checkReplayWindow(undefined, nowMs, true)).toBe('missing X-Timestamp header');
  });
});
