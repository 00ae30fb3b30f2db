import { z } from 'zod';
import { integerBetween, numberBetween, section } from '../rules.js';

export const RateLimitSchema = section({
  ratePerSecond: numberBetween(0.1, 1_000_000),
  burst: integerBetween(1, Number.MAX_SAFE_INTEGER),
});
export type RateLimit = z.infer<typeof RateLimitSchema>;

export const RateLimitsConfigSchema = section({
  enabled: z.boolean().prefault(true),
  perToken: RateLimitSchema.prefault({ ratePerSecond: 2000, burst: 5000 }),
  perSource: RateLimitSchema.prefault({ ratePerSecond: 5000, burst: 10_000 }),
});
export type RateLimitsConfig = z.infer<typeof RateLimitsConfigSchema>;
