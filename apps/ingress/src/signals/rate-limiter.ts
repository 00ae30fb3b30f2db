import type { RateLimit } from '@gateway/config';

/** One token bucket to debit: `id` names it among all buckets of this gateway. */
export interface BucketCharge {
  id: string;
  limit: RateLimit;
}

export interface RateLimitRequest {
  /** Debited together or not at all: the per-principal bucket, then the per-source bucket (SPEC §10.3). */
  buckets: readonly [BucketCharge, BucketCharge];
  /** Signals to enqueue; ignored items cost nothing. */
  cost: number;
}

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Pipeline step 13 (SPEC §10.3). Throws GatewayError when its store is unreachable. */
export interface RateLimiter {
  admit(request: RateLimitRequest): Promise<RateLimitDecision>;
}
