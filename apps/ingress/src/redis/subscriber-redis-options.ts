import type { RedisOptions } from 'ioredis';

/**
 * The configuration fan-out connection only subscribes. Unlike the producer it queues its SUBSCRIBE while Redis is
 * away and waits for the reconnect however long it takes (no per-command limit or timeout): nothing waits on it, and
 * ioredis subscribes again by itself after every reconnect.
 */
export function subscriberRedisOptions(): RedisOptions {
  return {
    maxRetriesPerRequest: null,
    connectTimeout: 1_000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
  };
}
