import type { IncomingMessage } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import { resolveClientIp } from '../http/client-ip.js';
import type { IngressEnv } from '../http/ingress-env.js';
import { resolveRequestId } from '../http/request-id.js';
import { nodeRequestView, webRequestView } from '../http/request-view.js';
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
    const incoming = c.env?.incoming;
    const view = Array.isArray(incoming?.rawHeaders)
      ? nodeRequestView(incoming as IncomingMessage)
      : webRequestView(c.req.raw);
    c.set('view', view);
    const requestId = resolveRequestId(view.header('x-request-id'), deps.newRequestId);
    c.set('requestId', requestId);
    c.set('endpoint', UNMATCHED_ENDPOINT);
    c.set(
      'clientIp',
      resolveClientIp(
        {
          peerAddress: incoming?.socket?.remoteAddress,
          forwardedFor: view.header('x-forwarded-for'),
          realIp: view.header('x-real-ip'),
        },
        deps.settings().server.trustedProxies,
      ),
    );

    const responseHeaders: Record<string, string> = {
      ...securityHeaders(isDashboardPath(c.req.path)),
      'X-Request-ID': requestId,
    };
    if (deps.lifecycle.isClosingConnections()) responseHeaders.Connection = 'close';
    c.set('responseHeaders', responseHeaders);

    await next();

    // Copying headers onto a finished response makes Hono rebuild it, which the accepted path avoids by building
    // its response with them.
    if (c.get('responseHeadersApplied') !== true) {
      for (const [name, value] of Object.entries(responseHeaders)) c.header(name, value);
    }

    const durationMs = performance.now() - startedMs;
    const status = c.res.status;
    const endpoint = c.get('endpoint');
    const method = KNOWN_METHODS.has(c.req.method) ? c.req.method : 'OTHER';
    deps.metrics.httpRequestDuration.observe({ endpoint, method, status: String(status) }, durationMs / 1000);
    const level = status >= 500 ? 'error' : PROBE_ENDPOINTS.has(endpoint) ? 'debug' : 'info';
    // The line's object is built only when it will be written: one per request is garbage at any other level.
    if (!deps.logger.isLevelEnabled(level)) return;
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
