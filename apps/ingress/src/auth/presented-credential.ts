export type PresentedCredential =
  | { kind: 'token'; token: string }
  | { kind: 'missing' }
  | { kind: 'unsupported-scheme' }
  | { kind: 'query-token-not-allowed' };

export interface CredentialSources {
  authorization: string | undefined;
  queryToken: string | undefined;
  allowQueryToken: boolean;
}

/**
 * Accepted forms (docs/security.md#tokens): `Bearer <token>`, `Basic base64(any-user:<token>)` (Alertmanager
 * basic_auth, browsers), or `?token=` where the source allows it. The Authorization header wins over the query
 * parameter.
 */
export function readPresentedCredential(input: CredentialSources): PresentedCredential {
  const header = input.authorization?.trim();
  if (header !== undefined && header !== '') {
    const space = header.indexOf(' ');
    const scheme = (space === -1 ? header : header.slice(0, space)).toLowerCase();
    const value = space === -1 ? '' : header.slice(space + 1).trim();
    if (scheme === 'bearer') return value === '' ? { kind: 'missing' } : { kind: 'token', token: value };
    if (scheme === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const password = colon === -1 ? '' : decoded.slice(colon + 1);
      return password === '' ? { kind: 'missing' } : { kind: 'token', token: password };
    }
    return { kind: 'unsupported-scheme' };
  }
  if (input.queryToken !== undefined && input.queryToken !== '') {
    return input.allowQueryToken ? { kind: 'token', token: input.queryToken } : { kind: 'query-token-not-allowed' };
  }
  return { kind: 'missing' };
}
