import { formatDurationMs } from './duration.js';
import { reloadClassOf } from './reload-classes.js';
import type { GatewayConfig } from './schema/gateway-config.js';

/** Keys whose millisecond values read better as durations in documentation. */
const DURATION_KEY = /(timeout|interval|delay|ttl|backoff|duration|window|retention|age|debounce)$/i;

function renderValue(path: string, value: unknown): string {
  if (typeof value === 'number' && DURATION_KEY.test(path.split('.').at(-1) ?? '')) return formatDurationMs(value);
  if (typeof value === 'string') return value === '' ? '`""`' : `\`${value}\``;
  return `\`${JSON.stringify(value)}\``;
}

/**
 * The configuration reference table of the README, generated from the validated defaults so the
 * documentation cannot drift from the schema (a test compares them). Sources are listed by instance; the last column
 * says whether a key applies on reload or at the next restart.
 */
export function renderConfigTable(defaults: GatewayConfig): string {
  const rows: string[] = ['| key | default | reload |', '|---|---|---|'];
  const walk = (value: unknown, path: string): void => {
    const isObject = value !== null && typeof value === 'object' && !Array.isArray(value);
    const isMap = /^sources\.[^.]+\.(severityMap|resourceLabels)$/.test(path);
    // A section whose keys are all optional and unset by default (telemetry) has no default to list.
    if (isObject && !isMap && Object.keys(value).length === 0) return;
    if (isObject && !isMap) {
      for (const [key, child] of Object.entries(value as Record<string, unknown>))
        walk(child, path ? `${path}.${key}` : key);
      return;
    }
    rows.push(`| \`${path}\` | ${renderValue(path, value).replaceAll('|', '\\|')} | ${reloadClassOf(path)} |`);
  };
  walk(defaults, '');
  return rows.join('\n');
}
