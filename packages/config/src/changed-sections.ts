import { canonicalJson } from './config-hash.js';
import type { GatewayConfig } from './schema/gateway-config.js';

/** Top-level sections whose values differ, compared as canonical JSON so key order does not count as a change. */
export function changedSections(oldConfig: GatewayConfig, newConfig: GatewayConfig): (keyof GatewayConfig)[] {
  const sections = Object.keys(newConfig) as (keyof GatewayConfig)[];
  return sections.filter((section) => canonicalJson(oldConfig[section]) !== canonicalJson(newConfig[section]));
}
