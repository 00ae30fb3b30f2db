import type { Principal } from '@gateway/contracts';
import type { SourceInstance } from '../settings/ingress-settings.js';

export interface RateLimitRequest {
  source: SourceInstance;
  principal: Principal;
  clientIp: string;
  /** Signals to enqueue; ignored items cost nothing (SPEC §10.3). */
  cost: number;
}

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Pipeline step 13 (SPEC §10.3). Token buckets in Redis plug in here. */
export interface RateLimiter {
  admit(request: RateLimitRequest): Promise<RateLimitDecision>;
}

/** Used until the Redis token buckets exist: rate limits are not enforced. */
export const unlimitedRateLimiter: RateLimiter = {
  admit: async () => ({ allowed: true }),
};
