import { readFileSync } from 'node:fs';
import { readConfigFile } from './config-file.js';
import { configHashOf } from './config-hash.js';
import { readConfigOverrides } from './env-overrides.js';
import { readEnvTokens, readNamedOverrides } from './named-env.js';
import { type ConfigPath, formatPath, mergeAt } from './object-path.js';
import { type ConfigProblem, configProblem, problemsFromIssues } from './problems.js';
import { type AuthToken, MIN_TOKEN_LENGTH, RECOMMENDED_TOKEN_LENGTH } from './schema/auth.js';
import { type GatewayConfig, GatewayConfigSchema } from './schema/gateway-config.js';
import { REDACTED } from './secrets.js';

export interface LoadConfigOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** Defaults to reading UTF-8 from disk; tests pass their own. */
  readFile?: (path: string) => string;
}

/** Valid but worth a log line. */
export interface ConfigWarning {
  path: string;
  message: string;
}

export type LoadConfigResult =
  | {
      ok: true;
      config: GatewayConfig;
      /** Of the file and `GATEWAY_CFG__` variables only, so replicas with different named variables agree. */
      configHash: string;
      warnings: ConfigWarning[];
      /** From `GATEWAY_AUTH_TOKENS`, kept out of `config` so that printing the config never prints them. */
      envTokens: AuthToken[];
    }
  | { ok: false; problems: ConfigProblem[] };

function readUtf8(path: string): string {
  return readFileSync(path, 'utf8');
}

function envTokenProblems(tokens: readonly AuthToken[]): ConfigProblem[] {
  return tokens
    .map((token, index) => ({ token: token.token ?? '', path: ['GATEWAY_AUTH_TOKENS', index] as ConfigPath }))
    .filter(({ token }) => token.length < MIN_TOKEN_LENGTH)
    .map(({ path }) =>
      configProblem(
        path,
        REDACTED,
        `must be at least ${MIN_TOKEN_LENGTH} characters`,
        'generate one with: openssl rand -hex 32',
      ),
    );
}

function shortTokenWarnings(config: GatewayConfig, envTokens: readonly AuthToken[]): ConfigWarning[] {
  const candidates = [
    ...config.auth.tokens.map((token, index) => ({ token: token.token, path: ['auth', 'tokens', index, 'token'] })),
    ...envTokens.map((token, index) => ({ token: token.token, path: ['GATEWAY_AUTH_TOKENS', index] })),
  ];
  return candidates
    .filter(({ token }) => token !== undefined && token.length < RECOMMENDED_TOKEN_LENGTH)
    .map(({ path }) => ({
      path: formatPath(path),
      message: `token is shorter than ${RECOMMENDED_TOKEN_LENGTH} characters; use at least ${RECOMMENDED_TOKEN_LENGTH} random characters`,
    }));
}

/**
 * Builds the configuration from defaults < `GATEWAY_CONFIG` file < `GATEWAY_CFG__` variables < named variables
 * and validates it, reporting every problem at once (docs/configuration.md#where-values-come-from,
 * docs/configuration.md#validation-and-problems).
 */
export function loadConfig({ env, readFile = readUtf8 }: LoadConfigOptions): LoadConfigResult {
  const file = readConfigFile(env, readFile);
  const { overrides, problems: overrideProblems } = readConfigOverrides(env);
  const envTokens = readEnvTokens(env);
  const tokenProblems = envTokenProblems(envTokens);
  if (file.unusable) return { ok: false, problems: [...file.problems, ...overrideProblems, ...tokenProblems] };

  const shared = overrides.reduce<unknown>(
    (document, override) => mergeAt(document, override.path, override.value),
    file.document,
  );
  const named = readNamedOverrides(env);
  const merged = named.reduce<unknown>(
    (document, override) => mergeAt(document, override.path, override.value),
    shared,
  );

  const parsed = GatewayConfigSchema.safeParse(merged);
  // An unset ${VAR} already has its problem; the schema complaining about the literal "${VAR}" would only repeat it.
  const substituted = new Set(file.problems.map((problem) => problem.path));
  const schemaProblems = parsed.success
    ? []
    : problemsFromIssues(parsed.error.issues, merged).filter((problem) => !substituted.has(problem.path));
  const problems = [...file.problems, ...overrideProblems, ...schemaProblems, ...tokenProblems];
  if (!parsed.success || problems.length > 0) return { ok: false, problems };

  return {
    ok: true,
    config: parsed.data,
    configHash: sharedConfigHash(shared, named.length === 0 ? parsed.data : undefined),
    warnings: shortTokenWarnings(parsed.data, envTokens),
    envTokens,
  };
}

/**
 * Hash of the validated file + `GATEWAY_CFG__` document. When a named variable repairs an otherwise invalid value,
 * that document does not validate on its own; its raw form is hashed then, which is still equal across replicas.
 */
function sharedConfigHash(shared: unknown, alreadyValidated: GatewayConfig | undefined): string {
  if (alreadyValidated) return configHashOf(alreadyValidated);
  const parsed = GatewayConfigSchema.safeParse(shared);
  return configHashOf(parsed.success ? parsed.data : shared);
}
