import type { AuthToken } from '@gateway/config';
import { MIN_TOKEN_LENGTH, RECOMMENDED_TOKEN_LENGTH } from '@gateway/config';
import { tokenDigest } from '../auth/token-digest.js';
import type { TokenCredential } from './ingress-settings.js';
import { IngressSettingsError } from './ingress-settings-error.js';

export type ReadTextFile = (path: string) => string;

function tokenFromFile(token: AuthToken, path: string, readFile: ReadTextFile, warnings: string[]): string {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'read error';
    throw new IngressSettingsError(`auth.tokens ${token.id}: cannot read tokenFile ${path} (${code})`);
  }
  // Secrets mounted from Kubernetes or written by `echo` end with a newline that is not part of the token.
  const value = text.trim();
  if (value.length < MIN_TOKEN_LENGTH) {
    throw new IngressSettingsError(
      `auth.tokens ${token.id}: tokenFile ${path} holds fewer than ${MIN_TOKEN_LENGTH} characters`,
    );
  }
  if (value.length < RECOMMENDED_TOKEN_LENGTH) {
    warnings.push(`auth.tokens ${token.id}: tokenFile token is shorter than ${RECOMMENDED_TOKEN_LENGTH} characters`);
  }
  return value;
}

function digestOf(token: AuthToken, readFile: ReadTextFile, warnings: string[]): Buffer {
  if (token.tokenSha256 !== undefined) return Buffer.from(token.tokenSha256, 'hex');
  if (token.token !== undefined) return tokenDigest(token.token);
  if (token.tokenFile !== undefined) return tokenDigest(tokenFromFile(token, token.tokenFile, readFile, warnings));
  throw new IngressSettingsError(`auth.tokens ${token.id}: needs one of token, tokenSha256, tokenFile`);
}

/**
 * Only the digest survives (docs/security.md#tokens); `tokenFile` is read once here, at start. Length rules for inline
 * tokens were applied by config validation, which cannot see inside token files.
 */
export function tokenCredential(token: AuthToken, readFile: ReadTextFile, warnings: string[]): TokenCredential {
  return {
    id: token.id,
    digest: digestOf(token, readFile, warnings),
    scopes: token.scopes,
    sources: token.sources,
    ...(token.clusterId === undefined ? {} : { clusterId: token.clusterId }),
    allowClusterHeader: token.allowClusterHeader,
    ...(token.rateLimit === undefined ? {} : { rateLimit: token.rateLimit }),
  };
}
