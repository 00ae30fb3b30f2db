import { createHash } from 'node:crypto';
import { ErrorCode, GatewayError } from '@gateway/contracts';
import type { Redis } from 'ioredis';
import type { RateLimiter } from './rate-limiter.js';

/**
 * KEYS: principal bucket, source bucket. ARGV: rate/s and burst of each, then the cost.
 * Buckets are hashes {tokens, ms}, refilled continuously from Redis' own clock so every replica agrees. Both are
 * checked before either is debited, so a request refused by one bucket costs the other nothing. Replies
 * {1} when admitted, {0, seconds until both hold enough} otherwise, as a string to keep the fraction.
 */
export const TOKEN_BUCKET_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local cost = tonumber(ARGV[5])
local levels = {}
local wait = 0
for i = 1, 2 do
  local rate = tonumber(ARGV[i * 2 - 1])
  local burst = tonumber(ARGV[i * 2])
  local state = redis.call('HMGET', KEYS[i], 'tokens', 'ms')
  local tokens = tonumber(state[1]) or burst
  local last = tonumber(state[2]) or now
  tokens = math.min(burst, tokens + math.max(0, now - last) * rate / 1000)
  local charge = math.min(cost, burst)
  levels[i] = { tokens = tokens, charge = charge, rate = rate, burst = burst }
  if tokens < charge then wait = math.max(wait, (charge - tokens) / rate) end
end
if wait > 0 then return { 0, tostring(wait) } end
for i = 1, 2 do
  local level = levels[i]
  redis.call('HSET', KEYS[i], 'tokens', tostring(level.tokens - level.charge), 'ms', now)
  -- Once refilled to burst a bucket equals a missing one, so it may expire then.
  redis.call('PEXPIRE', KEYS[i], math.ceil(level.burst / level.rate * 1000) + 1000)
end
return { 1 }
`;

const SCRIPT_SHA1 = createHash('sha1').update(TOKEN_BUCKET_SCRIPT).digest('hex');

export function rateLimitKey(prefix: string, bucketId: string): string {
  return `${prefix}:ratelimit:${bucketId}`;
}

/** Floating-point refill maths must not turn an exact 2 s into a 3 s hint. */
const RETRY_AFTER_EPSILON_SECONDS = 1e-6;

function redisUnavailable(cause: unknown): GatewayError {
  return new GatewayError({
    code: ErrorCode.redisUnavailable,
    operation: 'ratelimit.admit',
    errorType: 'redis_unavailable',
    retryable: true,
    cause,
  });
}

/** Token buckets in Redis, both checked and debited by one script. */
export function createRedisRateLimiter(redis: Pick<Redis, 'evalsha' | 'eval'>, prefix: string): RateLimiter {
  return {
    async admit({ buckets, cost }) {
      const keys = buckets.map((bucket) => rateLimitKey(prefix, bucket.id));
      const args = [...buckets.flatMap((bucket) => [bucket.limit.ratePerSecond, bucket.limit.burst]), cost];
      let reply: unknown;
      try {
        reply = await redis.evalsha(SCRIPT_SHA1, keys.length, ...keys, ...args);
      } catch (error) {
        if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw redisUnavailable(error);
        try {
          reply = await redis.eval(TOKEN_BUCKET_SCRIPT, keys.length, ...keys, ...args);
        } catch (retryError) {
          throw redisUnavailable(retryError);
        }
      }
      const [admitted, waitSeconds] = reply as [number, string?];
      if (admitted === 1) return { allowed: true };
      const retryAfterSeconds = Math.max(1, Math.ceil(Number(waitSeconds) - RETRY_AFTER_EPSILON_SECONDS));
      return { allowed: false, retryAfterSeconds };
    },
  };
}
