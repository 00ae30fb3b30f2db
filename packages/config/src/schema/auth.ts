import { z } from 'zod';
import { notSupported } from '../not-supported.js';
import { nonEmptyString, reject, section, stringMatching } from '../rules.js';
import { ClusterIdSchema } from './cluster-id.js';
import { RateLimitSchema } from './rate-limit.js';

export const MIN_TOKEN_LENGTH = 16;
export const RECOMMENDED_TOKEN_LENGTH = 32;

export const AuthModeSchema = z.enum(['token', 'none']);
export type AuthMode = z.infer<typeof AuthModeSchema>;

export const TokenScopeSchema = z.enum(['signals', 'admin']);
export type TokenScope = z.infer<typeof TokenScopeSchema>;

/** `"*"` means every source, including ones added later by a reload. */
export const TokenSourcesSchema = z.union([z.literal('*'), z.array(nonEmptyString())]);
export type TokenSources = z.infer<typeof TokenSourcesSchema>;

const TOKEN_CREDENTIAL_KEYS = ['token', 'tokenSha256', 'tokenFile'] as const;

export const AuthTokenSchema = section({
  id: nonEmptyString(),
  token: z.string().optional(),
  tokenSha256: stringMatching(
    /^[a-f0-9]{64}$/,
    'must be 64 lowercase hex characters (sha256 of the token)',
    'compute it with: printf %s "$TOKEN" | sha256sum',
  ).optional(),
  tokenFile: nonEmptyString().optional(),
  scopes: z.array(TokenScopeSchema).prefault(['signals']),
  sources: TokenSourcesSchema.prefault('*'),
  clusterId: ClusterIdSchema.optional(),
  allowClusterHeader: z.boolean().prefault(false),
  rateLimit: RateLimitSchema.optional(),
}).check((ctx) => {
  const present = TOKEN_CREDENTIAL_KEYS.filter((key) => ctx.value[key] !== undefined);
  if (present.length !== 1) {
    reject(
      ctx,
      'exactly one of token, tokenSha256, tokenFile',
      'keep only one; tokenFile keeps the secret out of the config',
      {
        value: present,
      },
    );
  }
  const token = ctx.value.token;
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH) {
    reject(ctx, `must be at least ${MIN_TOKEN_LENGTH} characters`, 'generate one with: openssl rand -hex 32', {
      path: ['token'],
    });
  }
});
export type AuthToken = z.infer<typeof AuthTokenSchema>;

export const AuthConfigSchema = section({
  mode: AuthModeSchema.prefault('token'),
  tokens: z
    .array(AuthTokenSchema)
    .prefault([])
    .check((ctx) => {
      const seen = new Set<string>();
      ctx.value.forEach((token, index) => {
        if (seen.has(token.id)) {
          reject(ctx, 'token ids must be unique', `rename it, e.g. ${token.id}-2`, { path: [index, 'id'] });
        }
        seen.add(token.id);
      });
    }),
  tokenReview: notSupported('tokenReview'),
});
export type AuthConfig = z.infer<typeof AuthConfigSchema>;
