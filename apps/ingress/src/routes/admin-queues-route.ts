import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Queue } from 'bullmq';
import type { MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import { readPresentedCredential } from '../auth/presented-credential.js';
import { findTokenByDigest } from '../auth/token-digest.js';
import type { IngressEnv } from '../http/ingress-env.js';
import { ProblemError } from '../http/problem.js';
import { DASHBOARD_PATH } from '../middleware/request-context.js';
import type { IngressSettings } from '../settings/ingress-settings.js';

export interface AdminQueuesDeps {
  settings(): IngressSettings;
  /** The signal queue shown in Bull Board. */
  queue: Queue;
}

/** Browsers show a login dialog for a Basic challenge; that is how operators reach the dashboard. */
const ADMIN_CHALLENGE = { 'WWW-Authenticate': 'Basic realm="gateway-admin"' } as const;

/**
 * Admin scope via Bearer or Basic (token as password), whatever GATEWAY_AUTH says; with no admin
 * token configured the dashboard does not exist (404), so it is never reachable by accident.
 */
export function requireAdmin(settings: () => IngressSettings, endpoint: string): MiddlewareHandler<IngressEnv> {
  return async (c, next) => {
    c.set('endpoint', endpoint);
    const tokens = settings().auth.tokens;
    if (!tokens.some((token) => token.scopes.includes('admin'))) {
      throw new ProblemError('not-found', 'No admin endpoint is configured; add a token with scope admin to enable it');
    }
    const credential = readPresentedCredential({
      authorization: c.req.header('authorization'),
      queryToken: undefined,
      allowQueryToken: false,
    });
    const token = credential.kind === 'token' ? findTokenByDigest(credential.token, tokens) : undefined;
    if (token === undefined) {
      throw new ProblemError('unauthorized', 'Admin credentials required; sign in with a token that has scope admin', {
        headers: ADMIN_CHALLENGE,
      });
    }
    if (!token.scopes.includes('admin')) {
      throw new ProblemError('forbidden', `Token ${token.id} lacks scope admin; use an admin token`);
    }
    await next();
  };
}

/** Bull Board at `/admin/queues` for queue inspection and retrying failed jobs. */
export function adminQueuesRoute(deps: AdminQueuesDeps): Hono<IngressEnv> {
  const routes = new Hono<IngressEnv>();
  const serverAdapter = new HonoAdapter(serveStatic);
  serverAdapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({ queues: [new BullMQAdapter(deps.queue)], serverAdapter });
  routes.use('*', requireAdmin(deps.settings, DASHBOARD_PATH));
  routes.route('/', serverAdapter.registerPlugin());
  return routes;
}
