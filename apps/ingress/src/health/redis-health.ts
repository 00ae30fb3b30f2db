/** Readiness view of Redis: PING answered within a bound, checked at most once per cache period. */
export interface RedisHealth {
  isHealthy(): Promise<boolean>;
}

export interface RedisHealthDeps {
  ping(): Promise<unknown>;
  nowMs(): number;
  timeoutMs?: number;
  cacheMs?: number;
}

export const REDIS_PING_TIMEOUT_MS = 250;
export const REDIS_HEALTH_CACHE_MS = 1_000;

/**
 * Readiness needs a Redis PING within 250 ms, checked at most every 1 s, so frequent probes from many kubelets cost one
 * PING per second; concurrent probes share the check in flight.
 */
export function createRedisHealth(deps: RedisHealthDeps): RedisHealth {
  const timeoutMs = deps.timeoutMs ?? REDIS_PING_TIMEOUT_MS;
  const cacheMs = deps.cacheMs ?? REDIS_HEALTH_CACHE_MS;
  let cached: { healthy: boolean; atMs: number } | undefined;
  let inFlight: Promise<boolean> | undefined;

  async function check(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const ping = deps.ping().then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([ping, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    isHealthy() {
      if (cached !== undefined && deps.nowMs() - cached.atMs < cacheMs) return Promise.resolve(cached.healthy);
      inFlight ??= check().then((healthy) => {
        cached = { healthy, atMs: deps.nowMs() };
        inFlight = undefined;
        return healthy;
      });
      return inFlight;
    },
  };
}
