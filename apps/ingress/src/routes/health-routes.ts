import type { ReadinessConfigDetail } from '@gateway/config';
import { formatTimestamp } from '@gateway/contracts';
import { Hono } from 'hono';
import type { RedisHealth } from '../health/redis-health.js';
import type { IngressEnv } from '../http/ingress-env.js';
import { ProblemError, retryAfter } from '../http/problem.js';
import type { Lifecycle } from '../lifecycle/lifecycle.js';
import type { Clock } from '../runtime/clock.js';
import type { IngressSettings } from '../settings/ingress-settings.js';

export interface HealthRouteDeps {
  settings(): IngressSettings;
  redisHealth: RedisHealth;
  lifecycle: Lifecycle;
  clock: Clock;
  configDetail?(): ReadinessConfigDetail;
  /**
   * Whether configuration reloads are on (file watch, fleet channel). Until then a reload published to the fleet
   * would miss this replica, so it is not ready; without it reloads need no start.
   */
  reloadsStarted?(): boolean;
}

/** Probes poll again within seconds; one second is the natural retry hint. */
const READINESS_RETRY_AFTER_SECONDS = 1;

/** `/healthz` and `/readyz` (docs/observability.md#health-and-readiness). */
export function healthRoutes(deps: HealthRouteDeps): Hono<IngressEnv> {
  const routes = new Hono<IngressEnv>();

  routes.get('/healthz', (c) => {
    c.set('endpoint', '/healthz');
    return c.json({ status: 'healthy', timestamp: formatTimestamp(deps.clock.now()) });
  });

  routes.get('/readyz', async (c) => {
    c.set('endpoint', '/readyz');
    const configHash = deps.settings().configHash;
    if (deps.lifecycle.isShuttingDown()) {
      throw new ProblemError('service-unavailable', 'Gateway is shutting down; send requests to another replica', {
        headers: retryAfter(READINESS_RETRY_AFTER_SECONDS),
        extensions: { configHash, checks: { shutdown: 'in-progress' } },
      });
    }
    const redisOk = await deps.redisHealth.isHealthy();
    if (!redisOk) {
      throw new ProblemError('service-unavailable', 'Redis did not answer PING in time; check the Redis connection', {
        headers: retryAfter(READINESS_RETRY_AFTER_SECONDS),
        extensions: { configHash, checks: { redis: 'unavailable' } },
      });
    }
    if (deps.reloadsStarted?.() === false) {
      throw new ProblemError('service-unavailable', 'Configuration reloads are starting; retry shortly', {
        headers: retryAfter(READINESS_RETRY_AFTER_SECONDS),
        extensions: { configHash, checks: { redis: 'ok', config: 'starting' } },
      });
    }
    const config = deps.configDetail?.() ?? { restartRequired: [] };
    return c.json({ status: 'ready', configHash, ...config, checks: { redis: 'ok' } });
  });

  return routes;
}
