import type { ConfigOverride } from './env-overrides.js';
import type { AuthToken } from './schema/auth.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The named environment variables and where they land; they override the file and `GATEWAY_CFG__` variables
 * (docs/configuration.md#where-values-come-from). KUBECONFIG is the caller's.
 */
export const NAMED_VARIABLES = {
  REDIS_URL: { path: ['redis', 'url'], kind: 'string' },
  QUEUE_PREFIX: { path: ['redis', 'prefix'], kind: 'string' },
  LOG_LEVEL: { path: ['logging', 'level'], kind: 'lowercase' },
  OTEL_EXPORTER_OTLP_ENDPOINT: { path: ['telemetry', 'otlpEndpoint'], kind: 'string' },
  PORT: { path: ['server', 'port'], kind: 'integer' },
  GATEWAY_AUTH: { path: ['auth', 'mode'], kind: 'lowercase' },
  WORKER_PORT: { path: ['worker', 'port'], kind: 'integer' },
  REMEDIATION_NAMESPACE: { path: ['kubernetes', 'remediationNamespace'], kind: 'string' },
  DATA_STORAGE_URL: { path: ['audit', 'dataStorageUrl'], kind: 'string' },
} as const;

function namedValue(text: string, kind: 'string' | 'integer' | 'lowercase'): unknown {
  // Operators write LOG_LEVEL=INFO and GATEWAY_AUTH=None as readily as the lowercase forms.
  if (kind === 'lowercase') return text.toLowerCase();
  // A non-numeric port stays a string so validation reports it with its value.
  if (kind === 'integer' && /^[0-9]+$/.test(text)) return Number(text);
  return text;
}

/** An empty named variable counts as unset, as container manifests often declare them empty. */
export function readNamedOverrides(env: Env): ConfigOverride[] {
  const overrides: ConfigOverride[] = [];
  for (const [variable, target] of Object.entries(NAMED_VARIABLES)) {
    const text = env[variable]?.trim();
    if (text === undefined || text === '') continue;
    overrides.push({ variable, path: target.path, value: namedValue(text, target.kind) });
  }
  return overrides;
}

/**
 * `GATEWAY_AUTH_TOKENS`: comma-separated, trimmed, empty items ignored; scope signals, all sources
 * (docs/security.md#tokens).
 */
export function readEnvTokens(env: Env): AuthToken[] {
  const items = (env.GATEWAY_AUTH_TOKENS ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return items.map((token, index) => ({
    id: `env-${index + 1}`,
    token,
    scopes: ['signals'],
    sources: '*',
    allowClusterHeader: false,
  }));
}
