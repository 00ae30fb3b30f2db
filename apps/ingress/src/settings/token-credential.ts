import type { AuthToken } from '@gateway/config';
import { configProblem, MIN_TOKEN_LENGTH, RECOMMENDED_TOKEN_LENGTH } from '@gateway/config';
import { tokenDigest } from '../auth/token-digest.js';
import type { TokenCredential } from './ingress-settings.js';
import { IngressSettingsError } from './ingress-settings-error.js';

export type ReadTextFile = (path: string) => string;

/** Where a token is configured, for its problems: `['auth', 'tokens', 2]`, `['GATEWAY_AUTH_TOKENS', 0]`. */
export type ConfiguredAt = readonly (string | number)[];

function tokenFromFile(token: AuthToken, at: ConfiguredAt, file: string, readFile: ReadTextFile, warnings: string[]) {
  const path = [...at, 'tokenFile'];
  let text: string;
  try {
    text = readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'read error';
    throw new IngressSettingsError([
      configProblem(path, file, `cannot be read (${code})`, 'mount the token file at that path or correct the path'),
    ]);
  }
  // Secrets mounted from Kubernetes or written by `echo` end with a newline that is not part of the token.
  const value = text.trim();
  if (value.length < MIN_TOKEN_LENGTH) {
    throw new IngressSettingsError([
      configProblem(
        path,
        file,
        `holds fewer than ${MIN_TOKEN_LENGTH} characters`,
        'write a token generated with: openssl rand -hex 32',
      ),
    ]);
  }
  if (value.length < RECOMMENDED_TOKEN_LENGTH) {
    warnings.push(`auth.tokens ${token.id}: tokenFile token is shorter than ${RECOMMENDED_TOKEN_LENGTH} characters`);
  }
  return value;
}

function digestOf(token: AuthToken, at: ConfiguredAt, readFile: ReadTextFile, warnings: string[]): Buffer {
  if (token.tokenSha256 !== undefined) return Buffer.from(token.tokenSha256, 'hex');
  if (token.token !== undefined) return tokenDigest(token.token);
  if (token.tokenFile !== undefined) return tokenDigest(tokenFromFile(token, at, token.tokenFile, readFile, warnings));
  throw new IngressSettingsError([
    configProblem(at, token.id, 'needs one of token, tokenSha256, tokenFile', 'add exactly one of them'),
  ]);
}

/**
 * Only the digest survives (docs/security.md#tokens); `tokenFile` is read here, once per settings build. Length rules
 * for inline tokens were applied by config validation, which cannot see inside token files.
 */
export function tokenCredential(
  token: AuthToken,
  at: ConfiguredAt,
  readFile: ReadTextFile,
  warnings: string[],
): TokenCredential {
  return {
    id: token.id,
    digest: digestOf(token, at, readFile, warnings),
    scopes: token.scopes,
    sources: token.sources,
    ...(token.clusterId === undefined ? {} : { clusterId: token.clusterId }),
    allowClusterHeader: token.allowClusterHeader,
    ...(token.rateLimit === undefined ? {} : { rateLimit: token.rateLimit }),
  };
}
