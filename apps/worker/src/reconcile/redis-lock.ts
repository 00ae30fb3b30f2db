import type { Redis } from 'ioredis';
import type { ReconcilerLock } from './window-reconciler.js';

/** One reconciler round per interval across all workers: whoever sets the key first runs it. */
export function createRedisReconcilerLock(redis: Redis, key: string, holder: string): ReconcilerLock {
  return {
    async acquire(ttlMs) {
      return (await redis.set(key, holder, 'PX', Math.max(1, ttlMs), 'NX')) === 'OK';
    },
  };
}
