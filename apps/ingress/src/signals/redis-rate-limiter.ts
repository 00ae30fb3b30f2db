import { createHash } from 'node:crypto';
import { ErrorCode, GatewayError } from '@gateway/contracts';
import type { Redis } from 'ioredis';
import type { RateLimitDecision, RateLimiter, RateLimitRequest } from './rate-limiter.js';

/**
 * Decides a batch of requests in their order, each exactly as if it ran alone at the batch's instant.
 * KEYS: per request its principal bucket, then its source bucket. ARGV: per request rate/s and burst of each bucket,
 * then the cost (5 values). Buckets are hashes {tokens, ms}, refilled continuously from Redis' own clock so every
 * replica agrees. A request's two buckets are both checked before either is debited, so a request refused by one
 * costs the other nothing. Replies one string per request: '' when admitted, else the seconds until both buckets
 * hold enough (a string, to keep the fraction).
 */
export const TOKEN_BUCKET_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local replies = {}
for r = 1, #KEYS / 2 do
  local keys = { KEYS[r * 2 - 1], KEYS[r * 2] }
  local base = (r - 1) * 5
  local cost = tonumber(ARGV[base + 5])
  local levels = {}
  local wait = 0
  for i = 1, 2 do
    local rate = tonumber(ARGV[base + i * 2 - 1])
    local burst = tonumber(ARGV[base + i * 2])
    local state = redis.call('HMGET', keys[i], 'tokens', 'ms')
    local tokens = tonumber(state[1]) or burst
    local last = tonumber(state[2]) or now
    tokens = math.min(burst, tokens + math.max(0, now - last) * rate / 1000)
    local charge = math.min(cost, burst)
    levels[i] = { tokens = tokens, charge = charge, rate = rate, burst = burst }
    if tokens < charge then wait = math.max(wait, (charge - tokens) / rate) end
  end
  if wait > 0 then
    replies[r] = tostring(wait)
  else
    for i = 1, 2 do
      local level = levels[i]
      redis.call('HSET', keys[i], 'tokens', tostring(level.tokens - level.charge), 'ms', now)
      -- Once refilled to burst a bucket equals a missing one, so it may expire then.
      redis.call('PEXPIRE', keys[i], math.ceil(level.burst / level.rate * 1000) + 1000)
    end
    replies[r] = ''
  end
end
return replies
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

/** Requests per script call at most: bounds how long one call holds Redis (each costs a few microseconds there). */
const MAX_BATCH = 200;

interface Pending {
  request: RateLimitRequest;
  resolve(decision: RateLimitDecision): void;
  reject(error: unknown): void;
}

function decisionOf(reply: unknown): RateLimitDecision {
  if (reply === '') return { allowed: true };
  const retryAfterSeconds = Math.max(1, Math.ceil(Number(reply) - RETRY_AFTER_EPSILON_SECONDS));
  return { allowed: false, retryAfterSeconds };
}

/**
 * Token buckets in Redis. Group commit: the requests of one event-loop turn go together, and those arriving while a
 * batch is being decided wait for it and go with the next, so under load one script call (and one socket write)
 * decides many requests while an idle limiter adds no delay. Decisions are the same as one call per request in
 * arrival order.
 */
export function createRedisRateLimiter(redis: Pick<Redis, 'evalsha' | 'eval'>, prefix: string): RateLimiter {
  const waiting: Pending[] = [];
  let deciding = false;
  let scheduled = false;

  async function decide(batch: Pending[]): Promise<void> {
    const keys = batch.flatMap(({ request }) => request.buckets.map((bucket) => rateLimitKey(prefix, bucket.id)));
    const args = batch.flatMap(({ request }) => [
      ...request.buckets.flatMap((bucket) => [bucket.limit.ratePerSecond, bucket.limit.burst]),
      request.cost,
    ]);
    let replies: unknown;
    try {
      try {
        replies = await redis.evalsha(SCRIPT_SHA1, keys.length, ...keys, ...args);
      } catch (error) {
        if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
        replies = await redis.eval(TOKEN_BUCKET_SCRIPT, keys.length, ...keys, ...args);
      }
    } catch (error) {
      const unavailable = redisUnavailable(error);
      for (const pending of batch) pending.reject(unavailable);
      return;
    }
    const list = Array.isArray(replies) ? replies : [];
    batch.forEach((pending, i) => {
      if (i < list.length) pending.resolve(decisionOf(list[i]));
      else pending.reject(redisUnavailable(new Error(`rate-limit script answered ${list.length} of ${batch.length}`)));
    });
  }

  function next(): void {
    if (deciding || waiting.length === 0) return;
    deciding = true;
    const batch = waiting.splice(0, MAX_BATCH);
    void decide(batch).finally(() => {
      deciding = false;
      next();
    });
  }

  return {
    admit(request) {
      return new Promise<RateLimitDecision>((resolve, reject) => {
        waiting.push({ request, resolve, reject });
        if (deciding || scheduled) return;
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          next();
        });
      });
    },
  };
}
