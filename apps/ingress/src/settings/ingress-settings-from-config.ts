import type {
  AuthToken,
  CloudWatchSourceConfig,
  CustomSourceConfig,
  GatewayConfig,
  SourceConfig,
} from '@gateway/config';
import { configProblem, getAt, redactConfig } from '@gateway/config';
import type { PluginParseHooks, SourceDefinition } from '@gateway/sources';
import { compileCustomSource, createCloudwatchCapabilities, guardPluginParse } from '@gateway/sources';
import type { IngressSettingsInput, SourceInstanceInput } from './build-ingress-settings.js';
import { buildIngressSettings } from './build-ingress-settings.js';
import { hmacWithSecret } from './hmac-secret.js';
import type { IngressSettings, SourceCapabilities, TokenCredential } from './ingress-settings.js';
import { IngressSettingsError } from './ingress-settings-error.js';
import type { ReadTextFile } from './token-credential.js';
import { tokenCredential } from './token-credential.js';

/** Source adapters by type (`builtinSources`), plus plugins by the type they declare. */
export type SourceDefinitions = Readonly<Record<string, SourceDefinition<unknown> | undefined>>;

/** What turning `sources.<name>` into adapters needs besides the configuration itself. */
export interface SourceEnvironment {
  definitions: SourceDefinitions;
  /** Token files and HMAC secret files. */
  readFile: ReadTextFile;
  /** Clock of the SNS certificate caches (docs/signals-and-sources.md#aws-cloudwatch-alarms-via-sns). */
  now(): Date;
  /** Hooks around one plugin instance's parse; without them slow parses and faults go unrecorded. */
  pluginHooks?(instance: { name: string; signalSource: string }): PluginParseHooks;
}

export interface BuiltIngressSettings {
  settings: IngressSettings;
  /** Acceptable but risky choices (short token files); the caller logs them. */
  warnings: string[];
}

/** Keys every source has (docs/signals-and-sources.md); whatever else a source block holds belongs to its adapter. */
const COMMON_SOURCE_KEYS = new Set([
  'type',
  'enabled',
  'route',
  'auth',
  'allowQueryToken',
  'requireTimestamp',
  'rateLimit',
  'overloadStatus',
  'severityMap',
  'defaultSeverity',
  'unresolvedTarget',
  'deliveryDedup',
]);

const UNRECORDED_PLUGIN_HOOKS: PluginParseHooks = { onSlow: () => undefined, onError: () => undefined };

function adapterOptions(name: string, source: SourceConfig, readFile: ReadTextFile): unknown {
  if (source.type === 'plugin') return source.options;
  const options = Object.fromEntries(Object.entries(source).filter(([key]) => !COMMON_SOURCE_KEYS.has(key)));
  if (source.type === 'grafana' && source.hmac !== undefined) {
    options.hmac = hmacWithSecret(['sources', name, 'hmac'], source.hmac, readFile);
  }
  return options;
}

function customDefinition(name: string, source: CustomSourceConfig, readFile: ReadTextFile): SourceDefinition {
  const hmac = source.hmac === undefined ? undefined : hmacWithSecret(['sources', name, 'hmac'], source.hmac, readFile);
  const compiled = compileCustomSource(name, { ...source, hmac });
  if ('problems' in compiled) {
    throw new IngressSettingsError(
      compiled.problems.map(({ path, message }) => {
        const segments = path.split('.');
        return configProblem(
          segments,
          getAt(source, segments.slice(2)),
          message.slice(`${path}: `.length),
          'fix it as docs/signals-and-sources.md#custom-sources-jsonata describes',
        );
      }),
    );
  }
  return compiled.definition;
}

/**
 * SNS certificates and confirmations go through a client built from `caFile` and `resolve`; built here, per
 * snapshot, so the certificate cache serves every request and a missing `caFile` stops startup.
 */
function cloudwatchCapabilities(name: string, source: CloudWatchSourceConfig, now: () => Date): SourceCapabilities {
  try {
    return createCloudwatchCapabilities(source, now);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new IngressSettingsError([
      configProblem(
        ['sources', name, 'caFile'],
        source.caFile,
        `cannot be read (${code})`,
        'mount the CA bundle at that path or remove caFile',
      ),
    ]);
  }
}

/** The adapter of one instance, or undefined when this build has none for its type. */
function definitionFor(name: string, source: SourceConfig, env: SourceEnvironment): SourceDefinition | undefined {
  if (source.type === 'custom') return customDefinition(name, source, env.readFile);
  const adapterType = source.type === 'plugin' ? source.plugin : source.type;
  const definition = Object.hasOwn(env.definitions, adapterType) ? env.definitions[adapterType] : undefined;
  if (definition === undefined || source.type !== 'plugin') return definition;
  const signalSource = source.signalSource ?? definition.signalSource;
  return guardPluginParse(definition, env.pluginHooks?.({ name, signalSource }) ?? UNRECORDED_PLUGIN_HOOKS);
}

/**
 * `sources.<name>` → instance inputs. A disabled source whose type has no adapter in this build is left out (it
 * answers 404 like any disabled source); an enabled one stops startup, since its sender would get 404s forever.
 */
export function sourceInputsFromConfig(
  sources: GatewayConfig['sources'],
  env: SourceEnvironment,
): SourceInstanceInput[] {
  const inputs: SourceInstanceInput[] = [];
  for (const [name, source] of Object.entries(sources)) {
    const definition = definitionFor(name, source, env);
    if (definition === undefined) {
      if (!source.enabled) continue;
      const [key, adapterType] = source.type === 'plugin' ? ['plugin', source.plugin] : ['type', source.type];
      throw new IngressSettingsError([
        configProblem(
          ['sources', name, key],
          adapterType,
          `names no adapter of this build, and sources.${name} is enabled`,
          `set sources.${name}.enabled: false or use a supported type`,
        ),
      ]);
    }
    const configured = source.type === 'custom' || source.type === 'plugin' ? source : undefined;
    inputs.push({
      name,
      definition,
      enabled: source.enabled,
      route: source.route,
      authMode: source.auth.mode,
      allowQueryToken: source.allowQueryToken,
      requireTimestamp: source.requireTimestamp,
      settings: {
        severityMap: source.severityMap,
        defaultSeverity: source.defaultSeverity,
        unresolvedTarget: source.unresolvedTarget,
      },
      options: adapterOptions(name, source, env.readFile),
      overloadStatus: source.overloadStatus,
      ...(source.rateLimit === undefined ? {} : { rateLimit: source.rateLimit }),
      deliveryDedup: source.deliveryDedup,
      ...(configured?.signalSource === undefined ? {} : { signalSource: configured.signalSource }),
      ...(configured?.contentTypes === undefined ? {} : { contentTypes: configured.contentTypes }),
      ...(source.type === 'cloudwatch' && source.enabled
        ? { capabilities: cloudwatchCapabilities(name, source, env.now) }
        : {}),
    });
  }
  return inputs;
}

/**
 * Environment tokens are named `env-1`, `env-2`, … outside the file, so the schema, which checks that the file's ids
 * are unique, cannot see a file token that takes one of those names.
 */
function tokenCredentials(
  envTokens: readonly AuthToken[],
  fileTokens: readonly AuthToken[],
  readFile: ReadTextFile,
  warnings: string[],
): TokenCredential[] {
  const envIds = new Set(envTokens.map((token) => token.id));
  const clashes = fileTokens.flatMap((token, index) =>
    envIds.has(token.id)
      ? [
          configProblem(
            ['auth', 'tokens', index, 'id'],
            token.id,
            'is the id of a GATEWAY_AUTH_TOKENS token',
            `rename it, e.g. ${token.id}-file`,
          ),
        ]
      : [],
  );
  if (clashes.length > 0) throw new IngressSettingsError(clashes);
  return [
    ...envTokens.map((token, index) => tokenCredential(token, ['GATEWAY_AUTH_TOKENS', index], readFile, warnings)),
    ...fileTokens.map((token, index) => tokenCredential(token, ['auth', 'tokens', index], readFile, warnings)),
  ];
}

/** The validated configuration as ingress inputs; tests add their own sources before building. */
export function ingressSettingsInputFromConfig(
  config: GatewayConfig,
  envTokens: readonly AuthToken[],
  configHash: string,
  env: SourceEnvironment,
  warnings: string[],
): IngressSettingsInput {
  const { multiCluster } = config;
  return {
    authMode: config.auth.mode,
    tokens: tokenCredentials(envTokens, config.auth.tokens, env.readFile, warnings),
    configHash,
    sources: sourceInputsFromConfig(config.sources, env),
    server: {
      bodyLimitBytes: config.server.bodyLimitBytes,
      maxInFlightRequests: config.server.maxInFlightRequests,
      maxEventLoopDelayMs: config.server.maxEventLoopDelay,
      requestTimeoutMs: config.server.requestTimeout,
      trustedProxies: config.server.trustedProxies,
    },
    queue: {
      highWaterMark: config.queue.highWaterMark,
      lowWaterMark: config.queue.lowWaterMark,
      retryAfterSeconds: config.queue.retryAfterSeconds,
    },
    rateLimits: config.rateLimits,
    audit: { maxBacklog: config.audit.maxBacklog, maxBacklogBytes: config.audit.maxBacklogBytes },
    multiCluster: {
      enabled: multiCluster.enabled,
      clusterLabel: multiCluster.clusterLabel,
      defaultClusterId: multiCluster.defaultClusterId,
    },
    logging: { logPayloads: config.logging.logPayloads },
    redactedConfig: redactConfig(config),
  };
}

/**
 * The ingress snapshot of a configuration `loadConfig` validated, with `configHash` from `loadConfig` so ingress
 * and worker replicas report the same hash. Throws IngressSettingsError when it cannot run (unreadable token or
 * secret file, enabled source without adapter, options its adapter refuses, a custom mapping that does not compile);
 * main.ts exits 78 with its problems at startup, and the configuration runtime rejects a reload candidate with them.
 */
export function ingressSettingsFromConfig(
  config: GatewayConfig,
  envTokens: readonly AuthToken[],
  configHash: string,
  env: SourceEnvironment,
): BuiltIngressSettings {
  const warnings: string[] = [];
  const input = ingressSettingsInputFromConfig(config, envTokens, configHash, env, warnings);
  return { settings: buildIngressSettings(input), warnings };
}
