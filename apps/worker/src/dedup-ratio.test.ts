import { describe, expect, it } from 'vitest';
import { createDedupRatio } from './dedup-ratio.js';

describe('createDedupRatio', () => {
  it('divides duplicates by firing decisions per strategy and forgets decisions older than the window', () => {
    const clock = { nowMs: 1_000_000 };
    const ratio = createDedupRatio({ windowMs: 300_000, nowMs: () => clock.nowMs });
    ratio.record('similarity', false);
    ratio.record('similarity', true);
    ratio.record('similarity', true);
    ratio.record('default', false);
    expect(ratio.ratios()).toEqual(
      new Map([
        ['similarity', 2 / 3],
        ['default', 0],
      ]),
    );
    clock.nowMs += 200_000;
    ratio.record('similarity', true);
    expect(ratio.ratios().get('similarity')).toBe(3 / 4);
    clock.nowMs += 150_000;
    expect(ratio.ratios()).toEqual(new Map([['similarity', 1]]));
    clock.nowMs += 300_000;
    expect(ratio.ratios()).toEqual(new Map());
  });
});
