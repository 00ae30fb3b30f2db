import { GatewayError } from '@gateway/contracts';
import { createTestRedis, deleteKeysWithPrefix, freePort, uniquePrefix, waitFor } from '@gateway/testkit';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { producerRedisOptions } from '../redis/producer-redis-options.js';
import { createRedisRateLimiter, rateLimitKey } from './redis-rate-limiter.js';

const redis = createTestRedis();
const prefix = uniquePrefix('ratelimit');
afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

describe('redis rate limiter', () => {
  it('debits neither bucket when one refuses, and admits again once refilled', async () => {
    const limiter = createRedisRateLimiter(redis, prefix);
    const request = {
      buckets: [
        { id: 'fast', limit: { ratePerSecond: 10, burst: 1 } },
        { id: 'wide', limit: { ratePerSecond: 0.1, burst: 5 } },
      ] as const,
      cost: 1,
    };
    expect(await limiter.admit(request)).toEqual({ allowed: true });
    expect(await limiter.admit(request)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(Number(await redis.hget(rateLimitKey(prefix, 'wide'), 'tokens'))).toBeCloseTo(4, 1);
    await waitFor(async () => (await limiter.admit(request)).allowed, {
      timeoutMs: 2_000,
      description: 'the 10/s bucket refills within a second',
    });
    // Buckets expire once they would be full again, so idle senders leave nothing behind.
    expect(await redis.pttl(rateLimitKey(prefix, 'fast'))).toBeLessThanOrEqual(1_100);
  });

  it('reports an unreachable Redis as a GatewayError', async () => {
    const dead = new Redis(`redis://127.0.0.1:${await freePort()}`, producerRedisOptions());
    dead.on('error', () => undefined);
    try {
      const limiter = createRedisRateLimiter(dead, prefix);
      const bucket = { id: 'x', limit: { ratePerSecond: 1, burst: 1 } };
      await expect(limiter.admit({ buckets: [bucket, bucket], cost: 1 })).rejects.toBeInstanceOf(GatewayError);
    } finally {
      dead.disconnect();
    }
  });

  it('decides concurrent requests in arrival order, as one call each would', async () => {
    const limiter = createRedisRateLimiter(redis, prefix);
    const principal = { id: 'order:principal', limit: { ratePerSecond: 0.001, burst: 5 } };
    const source = { id: 'order:source', limit: { ratePerSecond: 0.001, burst: 100 } };
    // 5 tokens: the first two (2 + 3) pass, the 1-token request after them finds none, and nothing refills meanwhile.
    const decisions = await Promise.all(
      [2, 3, 1, 1].map((cost) => limiter.admit({ buckets: [principal, source], cost })),
    );
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, false, false]);
    // The refused ones cost the source bucket nothing: 95 of its 100 tokens are left.
    const [tokens] = await redis.hmget(rateLimitKey(prefix, 'order:source'), 'tokens');
    expect(Number(tokens)).toBeCloseTo(95, 1);
  });

  it('admits from leases without a round trip, and replicas together admit no more than the bucket holds', async () => {
    let calls = 0;
    const counted = {
      evalsha: ((...args: Parameters<typeof redis.evalsha>) => {
        calls += 1;
        return redis.evalsha(...args);
      }) as typeof redis.evalsha,
      eval: ((...args: Parameters<typeof redis.eval>) => {
        calls += 1;
        return redis.eval(...args);
      }) as typeof redis.eval,
    };
    // 1 token/s with a 100-token burst; a lease of 10 tokens (10 % of the burst, the window lets it be that large).
    const lease = { windowMs: 100_000 };
    const replicas = [
      createRedisRateLimiter(counted, prefix, { lease }),
      createRedisRateLimiter(counted, prefix, { lease }),
    ];
    const principal = { id: 'lease:principal', limit: { ratePerSecond: 1, burst: 100 } };
    const source = { id: 'lease:source', limit: { ratePerSecond: 1, burst: 1000 } };
    const started = performance.now();
    let allowed = 0;
    for (let i = 0; i < 150; i += 1) {
      const replica = replicas[i % 2];
      if (replica && (await replica.admit({ buckets: [principal, source], cost: 1 })).allowed) allowed += 1;
    }
    const refilled = Math.ceil((performance.now() - started) / 1000);
    expect(allowed).toBeLessThanOrEqual(100 + refilled);
    // Each replica may end holding part of a lease it has not used: never more than one lease (10) each.
    expect(allowed).toBeGreaterThanOrEqual(100 - 20);
    // One call per lease and per refusal instead of one per request.
    expect(calls).toBeLessThan(150 - 60);
  });

  it('gives a lease back with its next call, and stops using it once it has expired', async () => {
    let now = 0;
    const limiter = createRedisRateLimiter(redis, prefix, {
      lease: { windowMs: 10_000_000, ttlMs: 1_000 },
      nowMs: () => now,
    });
    const principal = { id: 'giveback:principal', limit: { ratePerSecond: 0.001, burst: 100 } };
    const source = { id: 'giveback:source', limit: { ratePerSecond: 0.001, burst: 100 } };
    const tokens = async () => Number(await redis.hget(rateLimitKey(prefix, 'giveback:principal'), 'tokens'));
    expect(await limiter.admit({ buckets: [principal, source], cost: 1 })).toEqual({ allowed: true });
    // 1 charged and a lease of 10 taken: 89 left in Redis.
    expect(await tokens()).toBeCloseTo(89, 1);
    expect(await limiter.admit({ buckets: [principal, source], cost: 1 })).toEqual({ allowed: true });
    expect(await tokens()).toBeCloseTo(89, 1);
    // More than the lease holds: the 9 left go back, 20 are charged, a new lease of 10 is taken.
    expect(await limiter.admit({ buckets: [principal, source], cost: 20 })).toEqual({ allowed: true });
    expect(await tokens()).toBeCloseTo(89 + 9 - 20 - 10, 1);
    now += 1_001;
    // Expired: this request goes to Redis with the lease's 10 tokens, and takes a fresh lease.
    expect(await limiter.admit({ buckets: [principal, source], cost: 1 })).toEqual({ allowed: true });
    expect(await tokens()).toBeCloseTo(68 + 10 - 1 - 10, 1);
  });
});
