import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';

export const testRedisUrl = (): string => process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix no other test uses, so tests share one Redis without FLUSHALL. */
export function uniquePrefix(label = 'test'): string {
  return `t-${label}-${randomUUID().slice(0, 8)}`;
}

export function createTestRedis(options: RedisOptions = {}): Redis {
  return new Redis(testRedisUrl(), { maxRetriesPerRequest: null, ...options });
}

/** Deletes every key under a prefix (test clean-up), using SCAN so it never blocks Redis. */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}
