import { describe, expect, it } from 'vitest';
import { compileTrustedProxies, normalizeIp, resolveClientIp } from './client-ip.js';

const proxies = compileTrustedProxies(['10.0.0.0/8', 'fd00::/8', '192.168.1.1']);
const nobody = compileTrustedProxies([]);

describe('client-ip', () => {
  it('normalizes IPv4-mapped IPv6 peers and rejects non-addresses', () => {
    expect(normalizeIp('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(normalizeIp('[::1]')).toBe('::1');
    expect(normalizeIp('unknown')).toBeUndefined();
  });

  it('uses the TCP peer when it is not a trusted proxy, whatever the headers say', () => {
    expect(resolveClientIp({ peerAddress: '203.0.113.9', forwardedFor: '1.2.3.4', realIp: '5.6.7.8' }, proxies)).toBe(
      '203.0.113.9',
    );
    expect(resolveClientIp({ peerAddress: '10.1.1.1', forwardedFor: '1.2.3.4', realIp: undefined }, nobody)).toBe(
      '10.1.1.1',
    );
  });

  it('walks X-Forwarded-For right to left past trusted hops, ignoring invalid entries', () => {
    const input = { peerAddress: '10.0.0.2', forwardedFor: '6.6.6.6, 198.51.100.7, junk, 10.0.0.9', realIp: undefined };
    expect(resolveClientIp(input, proxies)).toBe('198.51.100.7');
  });

  it('takes the leftmost hop when every hop is trusted', () => {
    expect(
      resolveClientIp({ peerAddress: '10.0.0.2', forwardedFor: '10.9.9.9, 192.168.1.1', realIp: undefined }, proxies),
    ).toBe('10.9.9.9');
  });

  it('falls back to a valid X-Real-IP, then to the peer', () => {
    expect(resolveClientIp({ peerAddress: 'fd00::1', forwardedFor: undefined, realIp: '2001:db8::5' }, proxies)).toBe(
      '2001:db8::5',
    );
    expect(resolveClientIp({ peerAddress: '10.0.0.2', forwardedFor: undefined, realIp: 'bogus' }, proxies)).toBe(
      '10.0.0.2',
    );
  });

  it('answers an empty string without a peer (in-process requests)', () => {
    expect(resolveClientIp({ peerAddress: undefined, forwardedFor: '1.2.3.4', realIp: undefined }, proxies)).toBe('');
  });

  it('refuses invalid CIDRs instead of silently trusting nobody', () => {
    expect(() => compileTrustedProxies(['10.0.0.0/33'])).toThrow(/prefix/);
    expect(() => compileTrustedProxies(['proxy.local'])).toThrow(/not an IP/);
  });
});
