import { superLinearInputs } from '@gateway/testkit';
import { describe, expect, it } from 'vitest';
import { globMatches } from './glob-match.js';

describe('globMatches', () => {
  it.each([
    ['KubePod*', 'KubePodCrashLooping', true],
    ['KubePod*', 'KubeNodeNotReady', false],
    ['*Crash*', 'KubePodCrashLooping', true],
    ['Kube?od*', 'KubePodCrashLooping', true],
    ['Kube?od', 'KubePodX', false],
    ['*', '', true],
    ['', '', true],
    ['', 'a', false],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXbYYcd', false],
    ['a.b', 'aXb', false],
    ['a.b', 'a.b', true],
    ['**a', 'bba', true],
  ])('matches %j against %j as %s', (pattern, text, expected) => {
    expect(globMatches(pattern, text)).toBe(expected);
  });

  it('grows at most linearly with the signal name for patterns that make a regex backtrack', async () => {
    const names = { repeated: (n: number) => 'a'.repeat(n), alternating: (n: number) => 'ab'.repeat(n / 2) };
    for (const pattern of ['*a*b*c*d*e*f', '*a*a*a*a*a*b', '?*?*?*?*x']) {
      expect(await superLinearInputs((name: string) => globMatches(pattern, name), names, { n: 250 })).toEqual({});
    }
  });
});
