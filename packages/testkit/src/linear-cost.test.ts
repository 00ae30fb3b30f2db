import { describe, expect, it } from 'vitest';
import { LINEAR_COST_MAX_RATIO, measureLinearCost, superLinearInputs } from './linear-cost.js';

const sumCodes = (text: string) => {
  let sum = 0;
  for (let i = 0; i < text.length; i++) sum += text.charCodeAt(i);
  return sum;
};

const countEqualPairs = (text: string) => {
  let pairs = 0;
  for (let i = 0; i < text.length; i++) for (let j = i + 1; j < text.length; j++) if (text[i] === text[j]) pairs++;
  return pairs;
};

describe('linear-cost', () => {
  it('reports a ratio under the linear bound for a single pass', async () => {
    const { ratio } = await measureLinearCost(sumCodes, (n) => 'x'.repeat(n), { n: 20_000 });
    expect(ratio).toBeLessThan(LINEAR_COST_MAX_RATIO);
  });

  it('reports a ratio over the linear bound for a quadratic pass', async () => {
    const { ratio } = await measureLinearCost(countEqualPairs, (n) => 'x'.repeat(n), { n: 150, rounds: 3 });
    expect(ratio).toBeGreaterThan(LINEAR_COST_MAX_RATIO);
  });

  it('names only the input families that grew faster than linearly', async () => {
    const failures = await superLinearInputs(
      (text: string) => (text.startsWith('q') ? countEqualPairs(text) : sumCodes(text)),
      { linear: (n) => 'x'.repeat(n * 100), quadratic: (n) => 'q'.repeat(n) },
      { n: 150, rounds: 3 },
    );
    expect(Object.keys(failures)).toEqual(['quadratic']);
  });
});
