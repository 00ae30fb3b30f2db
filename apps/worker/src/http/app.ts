import type { ReadinessConfigDetail } from '@gateway/config';
import { formatTimestamp, PROBLEM_CONTENT_TYPE, problemType } from '@gateway/contracts';
import { Hono } from 'hono';
import type { Registry } from 'prom-client';

export interface WorkerReadiness {
  shuttingDown(): boolean;
  redisOk(): Promise<boolean>;
  informersSynced(): boolean;
  kubernetesDegraded(): boolean;
}

export interface WorkerAppDeps {
  readiness: WorkerReadiness;
  registry: Registry;
  /** The hash of the snapshot new jobs run on. */
  configHash(): string;
  /** Restart-only keys changed since startup and the problems of the last rejected reload. */
  configDetail(): ReadinessConfigDetail;
  now(): Date;
}

/** Health, readiness and metrics on WORKER_PORT (docs/observability.md); the worker serves nothing else over HTTP. */
export function createWorkerApp(deps: WorkerAppDeps): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'healthy', timestamp: formatTimestamp(deps.now()) }));
  app.get('/readyz', async (c) => {
    const redis = await deps.readiness.redisOk();
    const informers = deps.readiness.informersSynced();
    const checks = {
      redis: redis ? 'ok' : 'down',
      informers: informers ? 'ok' : 'syncing',
      kubernetes: deps.readiness.kubernetesDegraded() ? 'degraded' : 'ok',
    };
    const shuttingDown = deps.readiness.shuttingDown();
    if (redis && informers && !shuttingDown) {
      return c.json({ status: 'ready', configHash: deps.configHash(), ...deps.configDetail(), checks });
    }
    const detail = shuttingDown
      ? 'Worker is shutting down'
      : !redis
        ? 'Redis is not reachable; the worker retries every second'
        : 'RemediationRequest informers have not finished their initial list';
    c.header('Retry-After', '1');
    return c.body(
      JSON.stringify({
        type: problemType('service-unavailable'),
        title: 'Service Unavailable',
        status: 503,
        detail,
        instance: '/readyz',
        request_id: '',
        configHash: deps.configHash(),
        checks,
      }),
      503,
      { 'Content-Type': PROBLEM_CONTENT_TYPE },
    );
  });
  app.get('/metrics', async (c) =>
    c.body(await deps.registry.metrics(), 200, { 'Content-Type': deps.registry.contentType }),
  );
  app.notFound((c) =>
    c.body(
      JSON.stringify({
        type: problemType('not-found'),
        title: 'Not Found',
        status: 404,
        detail: 'Only /healthz, /readyz and /metrics are served here',
        instance: c.req.path,
        request_id: '',
      }),
      404,
      { 'Content-Type': PROBLEM_CONTENT_TYPE },
    ),
  );
  return app;
}
