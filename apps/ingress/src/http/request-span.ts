import type { SignalTracing, TraceCarrier } from '@gateway/tracing';
import type { MiddlewareHandler } from 'hono';
import type { IngressEnv } from './ingress-env.js';

/**
 * The server span of a signal request, continuing the sender's `traceparent`. Written here rather than taken from
 * @hono/otel, which reads every header and the URL through Hono's web Request: that makes @hono/node-server build
 * one per request, the cost `request-view.ts` exists to avoid, and it measured as most of tracing's cost
 * (docs/benchmarks.md). Runs after `requestContext`, whose view reads Node's own header fields.
 */
export function requestSpan(tracing: SignalTracing, route: string): MiddlewareHandler<IngressEnv> {
  return async (c, next) => {
    const view = c.get('view');
    const traceparent = view.header('traceparent');
    const tracestate = view.header('tracestate');
    const parent: TraceCarrier =
      traceparent === undefined ? {} : { traceparent, ...(tracestate === undefined ? {} : { tracestate }) };
    await tracing.span(
      `${c.req.method} ${route}`,
      async (span) => {
        await next();
        span.setAttribute('http.response.status_code', c.res.status);
        if (c.res.status >= 500) span.setAttribute('error.type', String(c.res.status));
      },
      {
        parent,
        kind: 'server',
        attributes: {
          'http.request.method': c.req.method,
          'http.route': route,
          'url.path': c.req.path,
          'gateway.request.id': c.get('requestId'),
        },
      },
    );
  };
}
