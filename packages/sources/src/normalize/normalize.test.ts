import { describe, expect, it } from 'vitest';
import { isDns1123Label, isDns1123Subdomain } from './dns1123.js';
import { normalizeSeverity } from './severity.js';
import { truncateChars, truncateUtf8 } from './text-limits.js';
import { normalizeTimestamp } from './timestamp.js';
import { handleUnresolvedTarget } from './unresolved-target.js';

describe('truncateUtf8', () => {
  it('backs up to the start of a multi-byte character that straddles the limit', () => {
    expect(truncateUtf8('ab€', 4)).toBe('ab');
    expect(truncateUtf8('ab€', 5)).toBe('ab€');
    expect(truncateUtf8('a😀', 4)).toBe('a');
  });

  it('returns values within the limit unchanged', () => {
    expect(truncateUtf8('x'.repeat(63), 63)).toBe('x'.repeat(63));
  });
});

describe('truncateChars', () => {
  it('does not leave half a surrogate pair', () => {
    expect(truncateChars('ab😀', 3)).toBe('ab');
    expect(truncateChars('abcd', 3)).toBe('abc');
  });
});

describe('normalizeSeverity', () => {
  const settings = { severityMap: { Sev1: 'critical' }, defaultSeverity: 'unknown' };

  it('trims, maps exactly and case-sensitively, and cuts to 50 characters', () => {
    expect(normalizeSeverity(' Sev1 ', settings)).toBe('critical');
    expect(normalizeSeverity('sev1', settings)).toBe('sev1');
    expect(normalizeSeverity('s'.repeat(60), settings)).toBe('s'.repeat(50));
  });

  it('uses defaultSeverity when the value is missing or blank', () => {
    expect(normalizeSeverity(undefined, settings)).toBe('unknown');
    expect(normalizeSeverity('   ', { severityMap: {}, defaultSeverity: 'warning' })).toBe('warning');
  });
});

describe('dns1123', () => {
  it('accepts labels up to 63 characters and refuses dots, capitals and edge dashes', () => {
    expect(isDns1123Label('shop-1')).toBe(true);
    expect(isDns1123Label('a'.repeat(64))).toBe(false);
    expect(isDns1123Label('a.b')).toBe(false);
    expect(isDns1123Label('Shop')).toBe(false);
    expect(isDns1123Label('-shop')).toBe(false);
  });

  it('accepts dotted subdomains up to 253 characters', () => {
    expect(isDns1123Subdomain('ip-10-0-0-1.ec2.internal')).toBe(true);
    expect(isDns1123Subdomain(`${'a'.repeat(63)}.`.repeat(4).slice(0, 253))).toBe(true);
    expect(isDns1123Subdomain('web.')).toBe(false);
    expect(isDns1123Subdomain('a'.repeat(254))).toBe(false);
    expect(isDns1123Subdomain('localhost:8081')).toBe(false);
  });
});

describe('normalizeTimestamp', () => {
  it('writes milliseconds and Z, and leaves zero or junk undefined', () => {
    expect(normalizeTimestamp('2024-11-19T19:40:03.118402Z')).toBe('2024-11-19T19:40:03.118Z');
    expect(normalizeTimestamp('2024-11-19T21:40:03+0200')).toBe('2024-11-19T19:40:03.000Z');
    expect(normalizeTimestamp('0001-01-01T00:00:00Z')).toBeUndefined();
    expect(normalizeTimestamp('soon')).toBeUndefined();
    expect(normalizeTimestamp(null)).toBeUndefined();
  });
});

describe('handleUnresolvedTarget', () => {
  it('substitutes the Unknown placeholder when accepting', () => {
    expect(handleUnresolvedTarget('firing', { unresolvedTarget: 'accept' }, 'default')).toEqual({
      action: 'accept',
      target: { type: 'kubernetes', kind: 'Unknown', name: 'unknown', scope: 'default' },
    });
  });

  it('rejects firing items but lets resolved items go without a target when rejecting', () => {
    expect(handleUnresolvedTarget('firing', { unresolvedTarget: 'reject' }, 'default')).toEqual({ action: 'reject' });
    expect(handleUnresolvedTarget('resolved', { unresolvedTarget: 'reject' }, 'default')).toEqual({ action: 'omit' });
  });
});
