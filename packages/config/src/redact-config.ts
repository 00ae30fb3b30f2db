import type { GatewayConfig } from './schema/gateway-config.js';
import { redactValue } from './secrets.js';

/** The configuration as `/admin/config` may show it: every token, secret and URL password replaced. */
export function redactConfig(config: GatewayConfig): GatewayConfig {
  return redactValue(config);
}
