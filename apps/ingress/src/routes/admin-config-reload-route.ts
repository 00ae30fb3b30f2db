import type { ConfigProblem } from '@gateway/config';
import type { FleetView, ReloadRequest, ReloadResult } from '@gateway/reload';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { IngressEnv } from '../http/ingress-env.js';
import { ProblemError, retryAfter } from '../http/problem.js';
import type { IngressSettings } from '../settings/ingress-settings.js';
import { requireAdmin } from './admin-queues-route.js';

export const ADMIN_CONFIG_RELOAD_PATH = '/admin/config/reload';
export const ADMIN_CONFIG_FLEET_PATH = '/admin/config/fleet';

/** What the admin endpoints ask of the reload controller. */
export interface ConfigAdmin {
  reload(request: ReloadRequest): Promise<ReloadResult>;
  fleet(): Promise<FleetView>;
}

export interface AdminConfigReloadDeps {
  settings(): IngressSettings;
  configAdmin: ConfigAdmin;
  logger: Pick<Logger, 'warn'>;
}

/** `force=true` is the only query parameter; anything else is refused rather than ignored, as a typo could mean force. */
export const ReloadQuerySchema = z.strictObject({ force: z.literal('true').optional() });
export type ReloadQuery = z.infer<typeof ReloadQuerySchema>;

/** The fleet view lives in Redis; a client retrying sooner would only meet the same outage. */
const FLEET_RETRY_AFTER_SECONDS = 5;

const QUARANTINED_DETAIL =
  'This configuration was rolled back automatically after it raised the error ratio; add ?force=true to apply it anyway';

function reloadQuery(url: string): ReloadQuery {
  const parameters = [...new URL(url).searchParams];
  const query = Object.fromEntries(parameters);
  const parsed = ReloadQuerySchema.safeParse(query);
  if (!parsed.success || Object.keys(query).length !== parameters.length) {
    throw new ProblemError('validation-error', 'The only query parameter of this endpoint is force=true');
  }
  return parsed.data;
}

/** Each problem as the reload endpoint lists it; values were redacted when the problem was made. */
function problemEntry({ path, value, rule, message, suggestion }: ConfigProblem) {
  return { path, value, rule, message, suggestion };
}

/**
 * `POST /admin/config/reload` reloads this process and asks every other ingress and worker to reload too;
 * `GET /admin/config/fleet` shows which configuration each live process runs (docs/http-api.md).
 */
export function adminConfigReloadRoute(deps: AdminConfigReloadDeps): Hono<IngressEnv> {
  const routes = new Hono<IngressEnv>();

  routes.post(ADMIN_CONFIG_RELOAD_PATH, requireAdmin(deps.settings, ADMIN_CONFIG_RELOAD_PATH), async (c) => {
    const force = reloadQuery(c.req.url).force === 'true';
    const outcome = await deps.configAdmin.reload({ trigger: 'admin', force, fanOut: true });
    switch (outcome.result) {
      case 'reloaded': {
        const { result, configHash, changed, restartRequired } = outcome;
        return c.json({ result, configHash, changed, restartRequired });
      }
      case 'unchanged':
        return c.json({ result: outcome.result, configHash: outcome.configHash });
      case 'quarantined':
        return c.json({ result: outcome.result, configHash: outcome.configHash, detail: QUARANTINED_DETAIL });
      case 'rejected': {
        const count = `${outcome.problems.length} ${outcome.problems.length === 1 ? 'problem' : 'problems'}`;
        throw new ProblemError(
          'config-invalid',
          `The configuration was rejected (${count}); the running configuration is unchanged. Fix the keys listed in errors`,
          { extensions: { component: outcome.component, errors: outcome.problems.map(problemEntry) } },
        );
      }
    }
  });

  routes.get(ADMIN_CONFIG_FLEET_PATH, requireAdmin(deps.settings, ADMIN_CONFIG_FLEET_PATH), async (c) => {
    let fleet: FleetView;
    try {
      fleet = await deps.configAdmin.fleet();
    } catch (error) {
      deps.logger.warn({ err: error, requestId: c.get('requestId') }, 'could not read the fleet view');
      throw new ProblemError('service-unavailable', 'Redis, which holds the fleet view, did not answer; retry later', {
        headers: retryAfter(FLEET_RETRY_AFTER_SECONDS),
      });
    }
    return c.json(fleet);
  });

  return routes;
}
