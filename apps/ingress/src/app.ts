import type { ReadinessConfigDetail } from '@gateway/config';
import { NO_TRACING, type SignalTracing } from '@gateway/tracing';
import type { Queue } from 'bullmq';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { RedisHealth } from './health/redis-health.js';
import type { IngressEnv } from './http/ingress-env.js';
import { INTERNAL_ERROR_DETAIL, ProblemError, problemResponse } from './http/problem.js';
import { requestSpan } from './http/request-span.js';
import type { EventLoopDelay } from './lifecycle/event-loop-delay.js';
import type { Lifecycle } from './lifecycle/lifecycle.js';
import type { IngressMetrics } from './metrics/ingress-metrics.js';
import { DASHBOARD_PATH, requestContext } from './middleware/request-context.js';
import type { QueueDepth } from './queue/queue-depth.js';
import type { SignalQueue } from './queue/signal-queue.js';
import {
  ADMIN_CONFIG_FLEET_PATH,
  ADMIN_CONFIG_RELOAD_PATH,
  adminConfigReloadRoute,
  type ConfigAdmin,
} from './routes/admin-config-reload-route.js';
import { adminConfigRoute } from './routes/admin-config-route.js';
import { adminQueuesRoute, requireAdmin } from './routes/admin-queues-route.js';
import { healthRoutes } from './routes/health-routes.js';
import { metricsRoute } from './routes/metrics-route.js';
import { recordSignalOutcome } from './routes/signal-outcome.js';
import { createSignalHandler } from './routes/signal-route.js';
import type { Clock } from './runtime/clock.js';
import type { IdGenerators } from './runtime/ids.js';
import type { IngressSettings } from './settings/ingress-settings.js';
import type { RateLimiter } from './signals/rate-limiter.js';

const SIGNAL_PATHS = '/api/v1/signals/*';

export interface IngressDeps {
  /** The current immutable settings snapshot; called once per request. */
  settings(): IngressSettings;
  queue: SignalQueue;
  queueDepth: QueueDepth;
  redisHealth: RedisHealth;
  rateLimiter: RateLimiter;
  lifecycle: Lifecycle;
  clock: Clock;
  ids: IdGenerators;
  logger: Logger;
  metrics: IngressMetrics;
  /** How late the event loop keeps running; signal requests are refused while that is over server.maxEventLoopDelay. */
  eventLoopDelay: Pick<EventLoopDelay, 'sustainedMs'>;
  /** The BullMQ queue Bull Board shows; without it `/admin/queues` is behind auth but answers 404. */
  dashboardQueue?: Queue;
  /** The configuration part of `/readyz` and `/admin/config`; without it no restart is pending. */
  configDetail?(): ReadinessConfigDetail;
  /** `/readyz` waits for configuration reloads to be on; without it they need no start. */
  reloadsStarted?(): boolean;
  /** Reload and fleet view behind `/admin/config/reload` and `/admin/config/fleet`; without it they answer 404. */
  configAdmin?: ConfigAdmin;
  /** Each answered signal request, error or not (see `signalOutcome`), for automatic rollback's error ratio. */
  onSignalOutcome?(isError: boolean): void;
  /** Spans of signal requests (docs/observability.md#tracing); none without it. */
  tracing?: SignalTracing;
}

export function createApp(deps: IngressDeps): Hono<IngressEnv> {
  const app = new Hono<IngressEnv>();
  const tracing = deps.tracing ?? NO_TRACING;

  app.use(requestContext({ ...deps, newRequestId: deps.ids.requestId }));
  if (tracing.enabled) app.use(SIGNAL_PATHS, requestSpan(tracing, SIGNAL_PATHS));
  if (deps.onSignalOutcome !== undefined) app.use(SIGNAL_PATHS, recordSignalOutcome(deps.onSignalOutcome));

  app.route('/', healthRoutes(deps));
  app.route('/', metricsRoute(deps));
  if (deps.dashboardQueue === undefined) {
    app.use(`${DASHBOARD_PATH}/*`, requireAdmin(deps.settings, DASHBOARD_PATH));
  } else {
    app.route(DASHBOARD_PATH, adminQueuesRoute({ settings: deps.settings, queue: deps.dashboardQueue }));
  }
  app.route('/', adminConfigRoute(deps));
  if (deps.configAdmin === undefined) {
    for (const path of [ADMIN_CONFIG_RELOAD_PATH, ADMIN_CONFIG_FLEET_PATH])
      app.use(path, requireAdmin(deps.settings, path));
  } else {
    app.route('/', adminConfigReloadRoute({ ...deps, configAdmin: deps.configAdmin }));
  }
  app.all(SIGNAL_PATHS, createSignalHandler({ ...deps, tracing }));

  // Answered here rather than thrown: an error thrown from notFound would skip requestContext's headers.
  app.notFound((c) =>
    problemResponse(
      new ProblemError('not-found', 'No endpoint at this path; signals are posted to /api/v1/signals/<source>'),
      c.req.path,
      c.get('requestId'),
    ),
  );

  app.onError((error, c) => {
    const requestId = c.get('requestId') ?? deps.ids.requestId();
    const instance = c.req.path;
    if (error instanceof ProblemError) {
      const source = c.get('source');
      if (error.options.reason !== undefined && source !== undefined) {
        deps.metrics.requestsRejected.inc({
          source_type: source.signalSource,
          reason: error.options.reason,
        });
      }
      return problemResponse(error, instance, requestId);
    }
    deps.logger.error({ err: error, requestId }, 'unhandled error');
    return problemResponse(new ProblemError('internal-error', INTERNAL_ERROR_DETAIL), instance, requestId);
  });

  return app;
}
