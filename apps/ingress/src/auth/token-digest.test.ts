import { describe, expect, it } from 'vitest';
import type { TokenCredential } from '../settings/ingress-settings.js';
import { findTokenByDigest, tokenDigest } from './token-digest.js';

const credential = (id: string, token: string): TokenCredential => ({
  id,
  digest: tokenDigest(token),
  scopes: ['signals'],
  sources: '*',
  allowClusterHeader: false,
});

describe('token-digest', () => {
  it('hashes tokens to the SHA-256 of their UTF-8 bytes', () => {
    expect(tokenDigest('abc').toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('finds the configured token whose digest matches the presented one', () => {
    const tokens = [credential('a', 'first-token-0123456789'), credential('b', 'second-token-0123456789')];
    expect(findTokenByDigest('second-token-0123456789', tokens)?.id).toBe('b');
  });

  it('finds nothing for an unknown token or a malformed digest', () => {
    const tokens = [
      credential('a', 'first-token-0123456789'),
      { ...credential('x', 'y'), digest: Buffer.from('not-hex', 'hex') },
    ];
    expect(findTokenByDigest('other-token-0123456789', tokens)).toBeUndefined();
  });
});
