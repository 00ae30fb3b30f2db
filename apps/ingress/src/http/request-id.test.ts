import { describe, expect, it } from 'vitest';
import { resolveRequestId } from './request-id.js';

const generate = () => 'generated';

describe('request-id', () => {
  it('reuses an inbound id made of safe characters, 8 to 128 long', () => {
    expect(resolveRequestId('abc.DEF_12:3-4', generate)).toBe('abc.DEF_12:3-4');
    expect(resolveRequestId('x'.repeat(128), generate)).toBe('x'.repeat(128));
  });

  it('generates an id when the inbound one is missing, too short, too long or unsafe', () => {
    for (const inbound of [undefined, 'short', 'x'.repeat(129), 'has space 123', 'new\nline-123', '<script>1234']) {
      expect(resolveRequestId(inbound, generate)).toBe('generated');
    }
  });
});
