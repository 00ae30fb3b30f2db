import { describe, expect, it } from 'vitest';
import { regexStarHeight } from './regex-star-height.js';

describe('regexStarHeight', () => {
  it.each([
    ['abc', 0],
    ['a?b{3}c{0,1}', 0],
    ['a*', 1],
    ['^[a-z0-9-]+$', 1],
    ['(?:foo|bar)+baz*', 1],
    ['(a?)*', 1],
    ['a+?b*?', 1],
    ['[(+*)]+', 1],
    ['\\(+\\)*', 1],
    ['x{2,5}', 1],
    ['(a+)+', 2],
    ['(ab*)*c', 2],
    ['(?<n>a{2,})+', 2],
    ['((a*)b)*', 2],
    ['(a|a){1,30}', 1],
    ['((a|a){2,3}){1,30}', 2],
    ['(([a-z]+)*)*', 3],
  ])('%s has star height %i', (pattern, height) => {
    expect(regexStarHeight(pattern)).toBe(height);
  });
});
