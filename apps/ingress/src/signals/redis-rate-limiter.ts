import { createHash } from 'node:crypto';
import { ErrorCode, GatewayError } from '@gateway/contracts';
import type { Redis } from 'ioredis';
import type { RateLimitDecision, RateLimiter, RateLimitRequest } from './rate-limiter.js';

/**
 * Decides a batch of requests in their order, each exactly as if it ran alone at the batch's instant.
 * KEYS: per request its principal bucket, then its source bucket. ARGV: per request and bucket its rate/s, burst,
 * the leased tokens the caller gives back and the lease it asks for, then the cost (9 values). Buckets are hashes
 * {tokens, ms}, refilled continuously from Redis' own clock so every replica agrees. Returned tokens go back first
 * (up to the burst), so a caller's unused lease is never lost to the others. A request's two buckets are both checked
 * before either is debited, so a request refused by one costs the other nothing. An admitted request may take a
 * lease of at most half of what its bucket has left, so one replica never drains a bucket the others share.
 * Replies one string per request: '+<lease1>:<lease2>' when admitted, else the seconds until both buckets hold
 * enough (a string, to keep the fraction).
 */
export const TOKEN_BUCKET_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local replies = {}
for r = 1, #KEYS / 2 do
  local keys = { KEYS[r * 2 - 1], KEYS[r * 2] }
  local base = (r - 1) * 9
  local cost = tonumber(ARGV[base + 9])
  local levels = {}
  local wait = 0
  for i = 1, 2 do
    local at = base + (i - 1) * 4
    local rate = tonumber(ARGV[at + 1])
    local burst = tonumber(ARGV[at + 2])
    local returned = tonumber(ARGV[at + 3])
    local state = redis.call('HMGET', keys[i], 'tokens', 'ms')
    local tokens = tonumber(state[1]) or burst
    local last = tonumber(state[2]) or now
    tokens = math.min(burst, tokens + math.max(0, now - last) * rate / 1000 + returned)
    local charge = math.min(cost, burst)
    levels[i] = { tokens = tokens, charge = charge, rate = rate, burst = burst, lease = tonumber(ARGV[at + 4]),
      granted = 0, dirty = returned > 0 }
    if tokens < charge then wait = math.max(wait, (charge - tokens) / rate) end
  end
  if wait == 0 then
    for i = 1, 2 do
      local level = levels[i]
      level.tokens = level.tokens - level.charge
      level.granted = math.max(0, math.min(level.lease, math.floor(level.tokens / 2)))
      level.tokens = level.tokens - level.granted
      level.dirty = true
    end
  end
  for i = 1, 2 do
    local level = levels[i]
    if level.dirty then
      redis.call('HSET', keys[i], 'tokens', tostring(level.tokens), 'ms', now)
      -- Once refilled to burst a bucket equals a missing one, so it may expire then.
      redis.call('PEXPIRE', keys[i], math.ceil(level.burst / level.rate * 1000) + 1000)
    end
  end
  if wait > 0 then
    replies[r] = tostring(wait)
  else
    replies[r] = '+' .. levels[1].granted .. ':' .. levels[2].granted
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

/**
 * Leases (docs/queue-and-backpressure.md#rate-limits): an admitted request may take tokens for the requests that
 * follow it on this replica, which are then admitted without a round trip to Redis. A lease is at most
 * `LEASE_WINDOW_MS` of the bucket's rate and `LEASE_BURST_SHARE` of its burst, so buckets with small limits stay
 * exact (their lease rounds down to nothing), and it is used for at most `LEASE_TTL_MS`; what is left is given back
 * with the next call for that bucket. Leased tokens are debited in Redis before they are used, so replicas together
 * never admit more than the bucket allows.
 */
export interface RateLimitLeaseSettings {
  windowMs: number;
  burstShare: number;
  ttlMs: number;
  /** Buckets holding a lease at once: senders keyed by client IP must not grow the map without bound. */
  maxLeases: number;
}

export const DEFAULT_LEASE_SETTINGS: RateLimitLeaseSettings = {
  windowMs: 50,
  burstShare: 0.1,
  ttlMs: 1_000,
  maxLeases: 10_000,
};

interface Lease {
  tokens: number;
  grantedAtMs: number;
}

interface Pending {
  request: RateLimitRequest;
  /** Per bucket: tokens of a lease given back with this request, and the lease asked for. */
  returned: [number, number];
  asked: [number, number];
  resolve(decision: RateLimitDecision): void;
  reject(error: unknown): void;
}

type Reply = { allowed: true; leases: [number, number] } | { allowed: false; retryAfterSeconds: number };

function replyOf(reply: unknown): Reply {
  if (typeof reply === 'string' && reply.startsWith('+')) {
    const [first, second] = reply.slice(1).split(':');
    return { allowed: true, leases: [Number(first) || 0, Number(second) || 0] };
  }
  const retryAfterSeconds = Math.max(1, Math.ceil(Number(reply) - RETRY_AFTER_EPSILON_SECONDS));
  return { allowed: false, retryAfterSeconds };
}

const ALLOWED: RateLimitDecision = { allowed: true };

export interface RedisRateLimiterOptions {
  lease?: Partial<RateLimitLeaseSettings>;
  nowMs?(): number;
}

/**
 * Token buckets in Redis. Group commit: the requests of one event-loop turn go together, and those arriving while a
 * batch is being decided wait for it and go with the next, so under load one script call (and one socket write)
 * decides many requests while an idle limiter adds no delay. With leases, a request whose buckets both hold enough
 * leased tokens is admitted at once; the others go to Redis, and a bucket with a request on its way there admits
 * nothing locally until it is decided, so decisions stay those of one call per request in arrival order.
 */
export function createRedisRateLimiter(
  redis: Pick<Redis, 'evalsha' | 'eval'>,
  prefix: string,
  options: RedisRateLimiterOptions = {},
): RateLimiter {
  const lease = { ...DEFAULT_LEASE_SETTINGS, ...options.lease };
  const nowMs = options.nowMs ?? (() => performance.now());
  const leases = new Map<string, Lease>();
  /** Buckets with requests on their way to Redis, by how many. */
  const queuedFor = new Map<string, number>();
  const waiting: Pending[] = [];
  let deciding = false;
  let scheduled = false;

  const leaseSize = (limit: RateLimitRequest['buckets'][number]['limit']): number =>
    Math.floor(Math.min(limit.ratePerSecond * (lease.windowMs / 1000), limit.burst * lease.burstShare));

  /** Takes the request's tokens from the leases of both buckets, or leaves both untouched. */
  function admitLocally(request: RateLimitRequest, now: number): boolean {
    const [a, b] = request.buckets;
    if (queuedFor.has(a.id) || queuedFor.has(b.id)) return false;
    const usable = (bucket: typeof a): Lease | undefined => {
      const held = leases.get(bucket.id);
      const charge = Math.min(request.cost, bucket.limit.burst);
      return held && held.tokens >= charge && now - held.grantedAtMs <= lease.ttlMs ? held : undefined;
    };
    const first = usable(a);
    const second = first && usable(b);
    if (!first || !second) return false;
    first.tokens -= Math.min(request.cost, a.limit.burst);
    second.tokens -= Math.min(request.cost, b.limit.burst);
    return true;
  }

  /** Gives back what the bucket's lease holds (it travels with this request) and asks for a new one if worth it. */
  function takeBack(bucket: RateLimitRequest['buckets'][number]): [number, number] {
    const held = leases.get(bucket.id);
    if (held) leases.delete(bucket.id);
    queuedFor.set(bucket.id, (queuedFor.get(bucket.id) ?? 0) + 1);
    const asked = leases.size < lease.maxLeases ? leaseSize(bucket.limit) : 0;
    return [held?.tokens ?? 0, asked];
  }

  function settle(pending: Pending, reply: Reply | undefined, now: number): void {
    pending.request.buckets.forEach((bucket, i) => {
      const left = (queuedFor.get(bucket.id) ?? 1) - 1;
      if (left === 0) queuedFor.delete(bucket.id);
      else queuedFor.set(bucket.id, left);
      const granted = reply?.allowed ? (reply.leases[i] ?? 0) : 0;
      if (granted > 0) {
        // Only the last request of a batch for this bucket asked for a lease, so this replaces nothing in use.
        const held = leases.get(bucket.id);
        leases.set(bucket.id, { tokens: (held?.tokens ?? 0) + granted, grantedAtMs: now });
      }
    });
  }

  async function decide(batch: Pending[]): Promise<void> {
    // Only the last request of the batch for a bucket asks for a lease: the ones before it would get theirs
    // overwritten, and the tokens would be lost until they expire.
    const lastFor = new Map<string, Pending>();
    for (const pending of batch) for (const bucket of pending.request.buckets) lastFor.set(bucket.id, pending);
    const keys: string[] = [];
    const args: number[] = [];
    for (const pending of batch) {
      pending.request.buckets.forEach((bucket, i) => {
        keys.push(rateLimitKey(prefix, bucket.id));
        const asked = lastFor.get(bucket.id) === pending ? (pending.asked[i] ?? 0) : 0;
        args.push(bucket.limit.ratePerSecond, bucket.limit.burst, pending.returned[i] ?? 0, asked);
      });
      args.push(pending.request.cost);
    }
    let replies: unknown;
    try {
      try {
        replies = await redis.evalsha(SCRIPT_SHA1, keys.length, ...keys, ...args);
      } catch (error) {
        if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
        replies = await redis.eval(TOKEN_BUCKET_SCRIPT, keys.length, ...keys, ...args);
      }
    } catch (error) {
      // Tokens given back with a failed call are lost: that can only refuse more, never admit more.
      const unavailable = redisUnavailable(error);
      const now = nowMs();
      for (const pending of batch) {
        settle(pending, undefined, now);
        pending.reject(unavailable);
      }
      return;
    }
    const list = Array.isArray(replies) ? replies : [];
    const now = nowMs();
    batch.forEach((pending, i) => {
      if (i >= list.length) {
        settle(pending, undefined, now);
        pending.reject(redisUnavailable(new Error(`rate-limit script answered ${list.length} of ${batch.length}`)));
        return;
      }
      const reply = replyOf(list[i]);
      settle(pending, reply, now);
      pending.resolve(reply.allowed ? ALLOWED : reply);
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
      if (admitLocally(request, nowMs())) return Promise.resolve(ALLOWED);
      return new Promise<RateLimitDecision>((resolve, reject) => {
        const [a, b] = request.buckets;
        const first = takeBack(a);
        const second = takeBack(b);
        waiting.push({ request, returned: [first[0], second[0]], asked: [first[1], second[1]], resolve, reject });
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
