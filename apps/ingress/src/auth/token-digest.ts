import { createHash, timingSafeEqual } from 'node:crypto';
import type { TokenCredential } from '../settings/ingress-settings.js';

export function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * Compares the presented token's digest with every configured digest, without stopping at the first match,
 * so the response time does not tell which position (or whether any) matched.
 */
export function findTokenByDigest(presented: string, tokens: readonly TokenCredential[]): TokenCredential | undefined {
  const digest = tokenDigest(presented);
  let found: TokenCredential | undefined;
  for (const token of tokens) {
    if (token.digest.length === digest.length && timingSafeEqual(token.digest, digest) && found === undefined) {
      found = token;
    }
  }
  return found;
}
