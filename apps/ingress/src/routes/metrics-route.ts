import { Hono } from 'hono';
import type { IngressEnv } from '../http/ingress-env.js';
import type { IngressMetrics } from '../metrics/ingress-metrics.js';
import type { IngressSettings } from '../settings/ingress-settings.js';

export interface MetricsRouteDeps {
  settings(): IngressSettings;
  metrics: IngressMetrics;
}

/** True when any enabled signal endpoint accepts requests without a token or signature (docs/security.md#tokens). */
export function authDisabled(settings: IngressSettings): boolean {
  return (
    settings.auth.mode === 'none' || settings.sources.some((source) => source.enabled && source.authMode === 'none')
  );
}

/** `GET /metrics` (docs/observability.md#metrics), unauthenticated; NetworkPolicy restricts it. */
export function metricsRoute(deps: MetricsRouteDeps): Hono<IngressEnv> {
  const routes = new Hono<IngressEnv>();
  routes.get('/metrics', async (c) => {
    c.set('endpoint', '/metrics');
    // Refreshed at scrape time, so a swapped snapshot shows without extra wiring.
    deps.metrics.authDisabled.set(authDisabled(deps.settings()) ? 1 : 0);
    const body = await deps.metrics.registry.metrics();
    return c.body(body, 200, { 'Content-Type': deps.metrics.registry.contentType });
  });
  return routes;
}
