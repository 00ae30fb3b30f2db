import { parse } from 'yaml';
import type { ConfigPath } from './object-path.js';
import { type ConfigProblem, configProblem } from './problems.js';

export const CONFIG_ENV_PREFIX = 'GATEWAY_CFG__';

type Env = Readonly<Record<string, string | undefined>>;

export interface ConfigOverride {
  variable: string;
  path: ConfigPath;
  value: unknown;
}

function camelCase(segment: string): string {
  const [first = '', ...rest] = segment.toLowerCase().split('_').filter(Boolean);
  return first + rest.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('');
}

/**
 * `AUDIT__BATCH_SIZE` → `['audit', 'batchSize']`; the key right below `sources` is an instance name, which is
 * lowercase with dashes (`SOURCES__AZURE_MONITOR__ENABLED` → `sources.azure-monitor.enabled`); digits index arrays.
 */
export function overridePath(variable: string): ConfigPath {
  const segments = variable.slice(CONFIG_ENV_PREFIX.length).split('__');
  return segments.map((segment, index) => {
    if (/^[0-9]+$/.test(segment)) return Number(segment);
    if (index === 1 && segments[0]?.toUpperCase() === 'SOURCES') return segment.toLowerCase().replaceAll('_', '-');
    return camelCase(segment);
  });
}

/**
 * A value is a YAML scalar or flow collection (`500`, `true`, `[a, b]`, `{ratePerSecond: 10, burst: 20}`); text that
 * only looks like a block mapping (`a: b`) stays a string, because operators write it as one.
 */
function parseValue(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  const flow = /^\s*[[{]/.test(text);
  try {
    const value: unknown = parse(text);
    return { ok: true, value: typeof value === 'object' && value !== null && !flow ? text : value };
  } catch (error) {
    if (!flow) return { ok: true, value: text };
    return { ok: false, error: (error as Error).message.split('\n')[0] ?? 'invalid YAML' };
  }
}

/** `GATEWAY_CFG__` variables, broadest first so a specific variable wins over a collection that contains the key. */
export function readConfigOverrides(env: Env): { overrides: ConfigOverride[]; problems: ConfigProblem[] } {
  const overrides: ConfigOverride[] = [];
  const problems: ConfigProblem[] = [];
  const variables = Object.keys(env)
    .filter((name) => name.startsWith(CONFIG_ENV_PREFIX) && name.length > CONFIG_ENV_PREFIX.length)
    .sort((a, b) => a.split('__').length - b.split('__').length || a.localeCompare(b));
  for (const variable of variables) {
    const text = env[variable];
    if (text === undefined) continue;
    const path = overridePath(variable);
    const parsed = parseValue(text);
    if (parsed.ok) overrides.push({ variable, path, value: parsed.value });
    else
      problems.push(
        configProblem(
          path,
          text,
          `${variable} must be a YAML scalar or flow collection (${parsed.error})`,
          'quote strings and balance brackets, e.g. [a, b]',
        ),
      );
  }
  return { overrides, problems };
}
