import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import { resolveClientIp } from '../http/client-ip.js';
import type { IngressEnv } from '../http/ingress-env.js';
import { resolveRequestId } from '../http/request-id.js';
import { securityHeaders } from '../http/security-headers.js';
import type { Lifecycle } from '../lifecycle/lifecycle.js';
import type { IngressMetrics } from '../metrics/ingress-metrics.js';
import type { IngressSettings } from '../settings/ingress-settings.js';

export const UNMATCHED_ENDPOINT = 'unmatched';
export const DASHBOARD_PATH = '/admin/queues';
const PROBE_ENDPOINTS = new Set(['/healthz', '/readyz', '/metrics']);
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export interface RequestContextDeps {
  settings(): IngressSettings;
  newRequestId(): string;
  lifecycle: Lifecycle;
  metrics: Pick<IngressMetrics, 'httpRequestDuration'>;
  logger: Logger;
}

function isDashboardPath(path: string): boolean {
  return path === DASHBOARD_PATH || path.startsWith(`${DASHBOARD_PATH}/`);
}

/**
 * Pipeline step 1 (request id, docs/http-api.md) for every request, including 404s and errors: request id, client IP, security
 * headers, duration metric and the request log line. It runs outermost, so `app.onError` and `app.notFound`
 * answers pass through it too.
 */
export function requestContext(deps: RequestContextDeps): MiddlewareHandler<IngressEnv> {
  return async (c, next) => {
    const startedMs = performance.now();
    const requestId = resolveRequestId(c.req.header('x-request-id'), deps.newRequestId);
    c.set('requestId', requestId);
    c.set('endpoint', UNMATCHED_ENDPOINT);
    c.set(
      'clientIp',
      resolveClientIp(
        {
          peerAddress: c.env?.incoming?.socket?.remoteAddress,
          forwardedFor: c.req.header('x-forwarded-for'),
          realIp: c.req.header('x-real-ip'),
        },
        deps.settings().server.trustedProxies,
      ),
    );

    await next();

    for (const [name, value] of Object.entries(securityHeaders(isDashboardPath(c.req.path)))) c.header(name, value);
    c.header('X-Request-ID', requestId);
    if (deps.lifecycle.isClosingConnections()) c.header('Connection', 'close');

    const durationMs = performance.now() - startedMs;
    const status = c.res.status;
    const endpoint = c.get('endpoint');
    const method = KNOWN_METHODS.has(c.req.method) ? c.req.method : 'OTHER';
    deps.metrics.httpRequestDuration.observe({ endpoint, method, status: String(status) }, durationMs / 1000);
    const level = status >= 500 ? 'error' : PROBE_ENDPOINTS.has(endpoint) ? 'debug' : 'info';
    deps.logger[level](
      {
        requestId,
        method,
        route: endpoint,
        status,
        durationMs: Math.round(durationMs * 1000) / 1000,
        clientIp: c.get('clientIp'),
        source: c.get('source')?.name,
        accepted: c.get('accepted'),
      },
      'request',
    );
  };
}
