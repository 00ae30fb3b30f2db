import { Hono } from 'hono';
import type { IngressEnv } from '../http/ingress-env.js';
import type { IngressSettings } from '../settings/ingress-settings.js';
import { requireAdmin } from './admin-queues-route.js';

export const ADMIN_CONFIG_PATH = '/admin/config';

export interface AdminConfigDeps {
  settings(): IngressSettings;
}

/** `GET /admin/config` (docs/http-api.md): the configuration this process runs, secrets redacted, with its hash. */
export function adminConfigRoute(deps: AdminConfigDeps): Hono<IngressEnv> {
  const routes = new Hono<IngressEnv>();
  routes.get(ADMIN_CONFIG_PATH, requireAdmin(deps.settings, ADMIN_CONFIG_PATH), (c) => {
    const settings = deps.settings();
    return c.json({ configHash: settings.configHash, config: settings.redactedConfig });
  });
  return routes;
}
