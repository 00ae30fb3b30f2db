import type { Principal } from '@gateway/contracts';
import { principalToken } from '../auth/principal-token.js';
import type { IngressSettings, SourceInstance } from '../settings/ingress-settings.js';
import type { RateLimitRequest } from './rate-limiter.js';

/**
 * Rate limits (docs/queue-and-backpressure.md#rate-limits): one bucket per (source, principal), where an anonymous
 * sender is known only by its client IP, and one per source; a token's or source's own `rateLimit` replaces the global
 * default.
 */
export function rateLimitRequest(
  settings: IngressSettings,
  source: SourceInstance,
  principal: Principal,
  clientIp: string,
  cost: number,
): RateLimitRequest {
  const token = principalToken(settings, principal);
  const who = principal.type === 'anonymous' ? `ip:${clientIp}` : `${principal.type}:${principal.id}`;
  return {
    buckets: [
      { id: `${source.name}:${who}`, limit: token?.rateLimit ?? settings.rateLimits.perToken },
      { id: source.name, limit: source.rateLimit ?? settings.rateLimits.perSource },
    ],
    cost,
  };
}
