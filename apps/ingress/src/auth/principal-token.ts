import type { Principal } from '@gateway/contracts';
import type { IngressSettings, TokenCredential } from '../settings/ingress-settings.js';

/** The configured token behind an authenticated principal; token ids are unique within a snapshot. */
export function principalToken(settings: IngressSettings, principal: Principal): TokenCredential | undefined {
  if (principal.type !== 'token') return undefined;
  return settings.auth.tokens.find((token) => token.id === principal.id);
}
