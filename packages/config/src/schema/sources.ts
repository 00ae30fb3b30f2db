import type { SourceType } from '@gateway/contracts';
import { z } from 'zod';
import { isPlainObject } from '../object-path.js';
import { reject } from '../rules.js';
import { ROUTE_PREFIX } from './source-common.js';
import { SourceConfigSchema } from './source-types.js';

/** Instances that exist without configuration; only the first two are on by default. */
export const BUILT_IN_SOURCES = {
  prometheus: { type: 'alertmanager', enabled: true },
  'kubernetes-event': { type: 'kubernetes-event', enabled: true },
  cloudwatch: { type: 'cloudwatch', enabled: false },
  'azure-monitor': { type: 'azure-monitor', enabled: false },
  datadog: { type: 'datadog', enabled: false },
  grafana: { type: 'grafana', enabled: false },
} as const satisfies Record<string, { type: SourceType; enabled: boolean }>;

export const SOURCE_NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;

export const SourceNameSchema = z.string().check((ctx) => {
  if (!SOURCE_NAME_PATTERN.test(ctx.value)) {
    const example =
      ctx.value
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 40) || 'my-source';
    reject(ctx, 'source names must match ^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$', `rename it, e.g. ${example}`);
  }
});

function builtIn(name: string): { type: SourceType; enabled: boolean } | undefined {
  return Object.hasOwn(BUILT_IN_SOURCES, name) ? BUILT_IN_SOURCES[name as keyof typeof BUILT_IN_SOURCES] : undefined;
}

/** Adds the built-in instances and the name-dependent defaults (type, enabled, route) before type-specific validation. */
function withInstanceDefaults(input: unknown): unknown {
  const configured = input ?? {};
  if (!isPlainObject(configured)) return configured;
  const all: Record<string, unknown> = {};
  for (const name of Object.keys(BUILT_IN_SOURCES)) all[name] = {};
  Object.assign(all, configured);
  for (const [name, source] of Object.entries(all)) {
    if (!isPlainObject(source)) continue;
    const known = builtIn(name);
    all[name] = {
      ...(known ? { type: known.type } : {}),
      enabled: known?.enabled ?? false,
      route: `${ROUTE_PREFIX}${name}`,
      ...source,
    };
  }
  return all;
}

export const SourcesConfigSchema = z
  .preprocess(withInstanceDefaults, z.record(SourceNameSchema, SourceConfigSchema))
  .check((ctx) => {
    const owners = new Map<string, string>();
    for (const [name, source] of Object.entries(ctx.value)) {
      if (!source.enabled) continue;
      const owner = owners.get(source.route);
      if (owner !== undefined) {
        reject(ctx, `route already used by sources.${owner}`, `use ${ROUTE_PREFIX}${name}`, { path: [name, 'route'] });
      }
      owners.set(source.route, name);
    }
  });
export type SourcesConfig = z.infer<typeof SourcesConfigSchema>;
