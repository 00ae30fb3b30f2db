import { canonicalJson } from './config-hash.js';
import type { GatewayConfig } from './schema/gateway-config.js';

/** Top-level sections whose values differ: a reload emits one `gateway.config.reloaded` per section (SPEC §13.5). */
export function changedSections(oldConfig: GatewayConfig, newConfig: GatewayConfig): (keyof GatewayConfig)[] {
  const sections = Object.keys(newConfig) as (keyof GatewayConfig)[];
  return sections.filter((section) => canonicalJson(oldConfig[section]) !== canonicalJson(newConfig[section]));
}
