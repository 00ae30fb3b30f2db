import type { ReadinessConfigDetail } from '@gateway/config';
import { Hono } from 'hono';
import type { IngressEnv } from '../http/ingress-env.js';
import type { IngressSettings } from '../settings/ingress-settings.js';
import { requireAdmin } from './admin-queues-route.js';

export const ADMIN_CONFIG_PATH = '/admin/config';

export interface AdminConfigDeps {
  settings(): IngressSettings;
  /** Restart-only keys changed since startup; without it none are pending. */
  configDetail?(): ReadinessConfigDetail;
}

/**
 * `GET /admin/config` (docs/http-api.md): the configuration this process runs, secrets redacted, with its hash and
 * the restart-only keys a reload changed but could not apply.
 */
export function adminConfigRoute(deps: AdminConfigDeps): Hono<IngressEnv> {
  const routes = new Hono<IngressEnv>();
  routes.get(ADMIN_CONFIG_PATH, requireAdmin(deps.settings, ADMIN_CONFIG_PATH), (c) => {
    const settings = deps.settings();
    return c.json({
      configHash: settings.configHash,
      restartRequired: deps.configDetail?.().restartRequired ?? [],
      config: settings.redactedConfig,
    });
  });
  return routes;
}
