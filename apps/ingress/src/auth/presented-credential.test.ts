import { describe, expect, it } from 'vitest';
import { readPresentedCredential } from './presented-credential.js';

const none = { authorization: undefined, queryToken: undefined, allowQueryToken: false };

describe('presented-credential', () => {
  it('reads a Bearer token with any scheme case', () => {
    expect(readPresentedCredential({ ...none, authorization: 'bearer  tok-1 ' })).toEqual({
      kind: 'token',
      token: 'tok-1',
    });
  });

  it('reads the password of Basic credentials as the token', () => {
    const header = `Basic ${Buffer.from('alertmanager:pa:ss').toString('base64')}`;
    expect(readPresentedCredential({ ...none, authorization: header })).toEqual({ kind: 'token', token: 'pa:ss' });
  });

  it('reports missing credentials for an empty Bearer or Basic without password', () => {
    expect(readPresentedCredential({ ...none, authorization: 'Bearer' })).toEqual({ kind: 'missing' });
    const header = `Basic ${Buffer.from('user-only').toString('base64')}`;
    expect(readPresentedCredential({ ...none, authorization: header })).toEqual({ kind: 'missing' });
    expect(readPresentedCredential(none)).toEqual({ kind: 'missing' });
  });

  it('rejects other schemes', () => {
    expect(readPresentedCredential({ ...none, authorization: 'Digest x' })).toEqual({ kind: 'unsupported-scheme' });
  });

  it('takes the query token only where the source allows it', () => {
    expect(readPresentedCredential({ ...none, queryToken: 'q' })).toEqual({ kind: 'query-token-not-allowed' });
    expect(readPresentedCredential({ ...none, queryToken: 'q', allowQueryToken: true })).toEqual({
      kind: 'token',
      token: 'q',
    });
  });
});
