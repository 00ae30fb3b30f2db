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
});
