import type { Principal } from '@gateway/contracts';
import { ProblemError, RejectReason } from '../http/problem.js';
import type { IngressSettings, SourceInstance, TokenCredential } from '../settings/ingress-settings.js';
import type { CredentialSources } from './presented-credential.js';
import { readPresentedCredential } from './presented-credential.js';
import { findTokenByDigest } from './token-digest.js';

export const SIGNAL_AUTH_CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="kubernaut-gateway"' } as const;

export const ANONYMOUS_PRINCIPAL: Principal = { type: 'anonymous', id: 'anonymous' };

export function sourceRequiresToken(settings: IngressSettings, source: SourceInstance): boolean {
  return settings.auth.mode === 'token' && (source.authMode === 'token' || source.authMode === 'token-and-signature');
}

function tokenMayPostTo(token: TokenCredential, sourceName: string): boolean {
  return token.scopes.includes('signals') && (token.sources === '*' || token.sources.includes(sourceName));
}

export interface TokenPolicy {
  required: boolean;
  allowQueryToken: boolean;
}

/** A delivery its sender cannot sign (SNS raw delivery): a token stands in for the signature, in any form. */
export const UNSIGNED_DELIVERY_POLICY: TokenPolicy = { required: true, allowQueryToken: true };

/**
 * Token authentication of a signal route (docs/security.md#tokens): throws 401/403 problems, returns who sent the
 * request. When the source does not require a token, a valid one still names the principal, and an invalid one is
 * ignored rather than refused, since nothing was asked for. The policy defaults to the source's own.
 */
export function authenticateSignalRequest(
  settings: IngressSettings,
  source: SourceInstance,
  presented: Omit<CredentialSources, 'allowQueryToken'>,
  policy: TokenPolicy = { required: sourceRequiresToken(settings, source), allowQueryToken: source.allowQueryToken },
): Principal {
  const required = policy.required;
  const credential = readPresentedCredential({ ...presented, allowQueryToken: policy.allowQueryToken });
  if (credential.kind !== 'token') {
    if (!required) return ANONYMOUS_PRINCIPAL;
    const detail = {
      missing: 'Missing credentials; send Authorization: Bearer <token>',
      'unsupported-scheme': 'Unsupported authorization scheme; send Authorization: Bearer <token> or Basic',
      'query-token-not-allowed':
        'Tokens in the query string are not accepted on this endpoint; send Authorization: Bearer <token>',
    }[credential.kind];
    throw new ProblemError('unauthorized', detail, {
      headers: SIGNAL_AUTH_CHALLENGE,
      reason: RejectReason.unauthorized,
    });
  }
  const token = findTokenByDigest(credential.token, settings.auth.tokens);
  if (token === undefined) {
    if (!required) return ANONYMOUS_PRINCIPAL;
    throw new ProblemError('unauthorized', 'Unknown token; send a token configured on the gateway', {
      headers: SIGNAL_AUTH_CHALLENGE,
      reason: RejectReason.unauthorized,
    });
  }
  if (!tokenMayPostTo(token, source.name)) {
    if (!required) return ANONYMOUS_PRINCIPAL;
    throw new ProblemError(
      'forbidden',
      `Token ${token.id} may not post to source ${source.name}; grant it scope "signals" and this source`,
      { reason: RejectReason.forbidden },
    );
  }
  return { type: 'token', id: token.id };
}
