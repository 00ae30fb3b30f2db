import type { RateLimit } from '@gateway/config';

/** One token bucket to debit: `id` names it among all buckets of this gateway. */
export interface BucketCharge {
  id: string;
  limit: RateLimit;
}

export interface RateLimitRequest {
  /** Debited together or not at all: the per-principal bucket, then the per-source bucket. */
  buckets: readonly [BucketCharge, BucketCharge];
  /** Signals to enqueue; ignored items cost nothing. */
  cost: number;
}

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * The rate-limit step of every signal request, charged per signal (docs/queue-and-backpressure.md#rate-limits). Throws
 * GatewayError when its store is unreachable.
 */
export interface RateLimiter {
  admit(request: RateLimitRequest): Promise<RateLimitDecision>;
}
