import { describe, expect, it } from 'vitest';
import { exceedsJsonDepth } from './json-depth.js';

const arrays = (depth: number): unknown => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);

describe('json-depth', () => {
  it('counts scalars as depth 0 and each array or object as one level', () => {
    expect(exceedsJsonDepth('text', 0)).toBe(false);
    expect(exceedsJsonDepth(null, 0)).toBe(false);
    expect(exceedsJsonDepth([], 0)).toBe(true);
    expect(exceedsJsonDepth({ a: [{ b: 1 }] }, 3)).toBe(false);
    expect(exceedsJsonDepth({ a: [{ b: 1 }] }, 2)).toBe(true);
  });

  it('finds the deepest branch wherever it is', () => {
    expect(exceedsJsonDepth({ shallow: 1, list: [1, 2, { deep: arrays(5) }] }, 8)).toBe(false);
    expect(exceedsJsonDepth({ shallow: 1, list: [1, 2, { deep: arrays(5) }] }, 7)).toBe(true);
  });

  it('measures values nested far deeper than the call stack allows', () => {
    expect(exceedsJsonDepth(arrays(100_000), 64)).toBe(true);
    expect(exceedsJsonDepth(arrays(100_000), 100_000)).toBe(false);
  });
});
