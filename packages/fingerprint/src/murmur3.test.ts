import { describe, expect, it } from 'vitest';
import { murmur3x86x32 } from './murmur3.js';

const utf8 = (text: string) => new TextEncoder().encode(text);

describe('murmur3x86x32', () => {
  // Published vectors of the reference implementation (SMHasher's MurmurHash3_x86_32).
  it.each([
    ['', 0, 0],
    ['', 1, 0x514e28b7],
    ['', 0xffffffff, 0x81f16f39],
    ['test', 0, 0xba6bd213],
    ['abc', 0, 0xb3dd93fa],
    ['aaaa', 0x9747b28c, 0x5a97808a],
    ['Hello, world!', 0, 0xc0363e43],
    ['Hello, world!', 1234, 0xfaf6cdb3],
    ['Hello, world!', 0x9747b28c, 0x24884cba],
    ['The quick brown fox jumps over the lazy dog', 0, 0x2e4ff723],
    ['ππππππππ', 0x9747b28c, 0xd58063c1],
  ])('hashes %j with seed %d to the published value', (text, seed, expected) => {
    expect(murmur3x86x32(utf8(text), seed)).toBe(expected);
  });
});
