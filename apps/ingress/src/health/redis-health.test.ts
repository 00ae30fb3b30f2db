import { describe, expect, it } from 'vitest';
import { createRedisHealth, REDIS_HEALTH_CACHE_MS } from './redis-health.js';

const never = () => new Promise<never>(() => undefined);

describe('redis health', () => {
  it('is healthy when PING answers and unhealthy when it fails', async () => {
    expect(await createRedisHealth({ ping: async () => 'PONG', nowMs: () => 0 }).isHealthy()).toBe(true);
    expect(await createRedisHealth({ ping: () => Promise.reject(new Error('down')), nowMs: () => 0 }).isHealthy()).toBe(
      false,
    );
  });

  it('is unhealthy when PING does not answer within the bound', async () => {
    expect(await createRedisHealth({ ping: never, nowMs: () => 0, timeoutMs: 10 }).isHealthy()).toBe(false);
  });

  it('pings at most once per cache period and shares the check in flight', async () => {
    let nowMs = 0;
    let pings = 0;
    const health = createRedisHealth({
      ping: async () => {
        pings += 1;
        return 'PONG';
      },
      nowMs: () => nowMs,
    });
    expect(await Promise.all([health.isHealthy(), health.isHealthy()])).toEqual([true, true]);
    expect(pings).toBe(1);
    nowMs += REDIS_HEALTH_CACHE_MS - 1;
    await health.isHealthy();
    expect(pings).toBe(1);
    nowMs += 1;
    await health.isHealthy();
    expect(pings).toBe(2);
  });
});
