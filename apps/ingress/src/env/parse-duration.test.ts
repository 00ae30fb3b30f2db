import { describe, expect, it } from 'vitest';
import { parseDurationMs } from './parse-duration.js';

describe('parse-duration', () => {
  it('reads plain milliseconds and unit suffixes', () => {
    expect(parseDurationMs('1500')).toBe(1500);
    expect(parseDurationMs('500ms')).toBe(500);
    expect(parseDurationMs('5s')).toBe(5000);
    expect(parseDurationMs('2m')).toBe(120_000);
    expect(parseDurationMs('1h')).toBe(3_600_000);
    expect(parseDurationMs('1d')).toBe(86_400_000);
  });

  it('rejects anything else', () => {
    for (const value of ['', '5 s', '1.5s', '-1', 'ms', '5sec']) expect(parseDurationMs(value), value).toBeUndefined();
  });
});
