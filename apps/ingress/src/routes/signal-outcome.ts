import type { MiddlewareHandler } from 'hono';
import type { IngressEnv } from '../http/ingress-env.js';

/** Answers a bad configuration causes: refused credentials, payloads a source no longer takes, adapter faults. */
const CONFIGURATION_ERROR_STATUSES: ReadonlySet<number> = new Set([400, 401, 403, 415, 500]);
const NOT_FOUND = 404;
const ACCEPTED = 202;

/**
 * How one signal request counts towards automatic rollback's error ratio: true for an error, false for a request
 * that is not one, undefined for a request not counted at all.
 *
 * An error is an answer a reload can cause for traffic that was fine before it: 400, 401, 403, 415, 500, or a 202
 * whose delivery had items the source could not use. Overload and size answers (429, 503, 413, 405…) depend on the
 * traffic, not on the configuration, so they count as requests without errors; a sudden burst must not roll back
 * a good configuration. A 404 is not counted: scanners probing paths would otherwise dilute the ratio, and a source
 * a reload disabled is the operator's stated intent.
 */
export function signalOutcome(status: number, rejectedItems: number): boolean | undefined {
  if (status === NOT_FOUND) return undefined;
  if (status === ACCEPTED) return rejectedItems > 0;
  return CONFIGURATION_ERROR_STATUSES.has(status);
}

/** Feeds every answered signal request to `record` once its status is known (after `app.onError` rendered it). */
export function recordSignalOutcome(record: (isError: boolean) => void): MiddlewareHandler<IngressEnv> {
  return async (c, next) => {
    await next();
    const isError = signalOutcome(c.res.status, c.get('rejectedItems') ?? 0);
    if (isError !== undefined) record(isError);
  };
}
