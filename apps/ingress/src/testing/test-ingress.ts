import type { AuthToken, GatewayConfig, GatewayConfigInput } from '@gateway/config';
import { GatewayConfigSchema, readEnvTokens } from '@gateway/config';
import {
  SIGNAL_QUEUE_NAME,
  type SignalDraft,
  type SignalJob,
  SignalQueueJobSchema,
  sampleQueueDepth,
  signalsOfJob,
} from '@gateway/contracts';
import { builtinSources, defineSource } from '@gateway/sources';
import { createTestRedis, deleteKeysWithPrefix, uniquePrefix } from '@gateway/testkit';
import { type Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createApp, type IngressDeps } from '../app.js';
import { createRedisHealth } from '../health/redis-health.js';
import { createLifecycle } from '../lifecycle/lifecycle.js';
import { createIngressMetrics } from '../metrics/ingress-metrics.js';
import { pluginParseHooks } from '../metrics/plugin-parse-hooks.js';
import { createQueueDepthSampler } from '../queue/queue-depth.js';
import { redisAuditBacklog } from '../queue/redis-audit-backlog.js';
import type { SignalQueue } from '../queue/signal-queue.js';
import {
  type BullMqSignalQueueOptions,
  createBullMqSignalQueue,
  DEFAULT_SIGNAL_QUEUE_OPTIONS,
} from '../queue/signal-queue.js';
import { systemClock } from '../runtime/clock.js';
import { uuidV7Ids } from '../runtime/ids.js';
import type { IngressSettingsInput, SourceInstanceInput } from '../settings/build-ingress-settings.js';
import { buildIngressSettings } from '../settings/build-ingress-settings.js';
import type { IngressSettings } from '../settings/ingress-settings.js';
import type { SourceDefinitions, SourceEnvironment } from '../settings/ingress-settings-from-config.js';
import { ingressSettingsFromConfig, ingressSettingsInputFromConfig } from '../settings/ingress-settings-from-config.js';
import type { ReadTextFile } from '../settings/token-credential.js';
import { createRedisRateLimiter } from '../signals/redis-rate-limiter.js';

/** Tokens every test ingress knows; long enough to pass the length rules. */
export const TEST_TOKENS = {
  signals: 'signals-token-0123456789abcdef0123456789',
  admin: 'admin-token-0123456789abcdef0123456789abc',
  kubernetesOnly: 'kube-only-token-0123456789abcdef01234567',
} as const;

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** Small inline sources for behaviours the built-in adapters do not show. */
export const testSources: SourceInstanceInput[] = [
  {
    name: 'ignores-all',
    definition: defineSource({
      apiVersion: 1,
      type: 'test-ignore',
      signalSource: 'test-ignore',
      parse: async () => ({ signals: [], ignored: [{ index: 0, reason: 'test_notification' }], rejected: [] }),
    }),
  },
  {
    name: 'throws',
    definition: defineSource({
      apiVersion: 1,
      type: 'test-throw',
      signalSource: 'test-throw',
      parse: async () => {
        throw new Error('adapter bug with secret-ish detail /var/run/internal');
      },
    }),
  },
  {
    name: 'switched-off',
    enabled: false,
    definition: defineSource({
      apiVersion: 1,
      type: 'test-off',
      signalSource: 'test-off',
      parse: async () => ({ signals: [], ignored: [], rejected: [] }),
    }),
  },
  {
    name: 'stamped',
    requireTimestamp: true,
    definition: defineSource({
      apiVersion: 1,
      type: 'test-stamped',
      signalSource: 'test-stamped',
      parse: async () => ({ signals: [], ignored: [{ index: 0, reason: 'test' }], rejected: [] }),
    }),
  },
];

/** A firing Pod signal as the plugin source `source` drafts it. */
export function pluginDraft(index: number, source: string, overrides: Partial<SignalDraft> = {}): SignalDraft {
  return {
    index,
    source,
    sourceType: 'plugin',
    signalSource: source,
    status: 'firing',
    signalName: 'PluginSignal',
    severity: 'high',
    namespace: 'default',
    target: { type: 'kubernetes', kind: 'Pod', name: 'p', namespace: 'default', scope: 'default' },
    clusterId: '',
    labels: {},
    annotations: {},
    providerData: {},
    originalPayload: {},
    deliveryKey: null,
    fingerprintInput: null,
    ...overrides,
  };
}

/** Source `clustered`: one signal per cluster id, each naming that cluster in its payload. */
export function clusteredSource(clusterIds: readonly string[]): SourceInstanceInput {
  return {
    name: 'clustered',
    definition: defineSource({
      apiVersion: 1,
      type: 'clustered',
      signalSource: 'clustered',
      parse: async () => ({
        signals: clusterIds.map((clusterId, index) => pluginDraft(index, 'clustered', { clusterId })),
        ignored: [],
        rejected: [],
      }),
    }),
  };
}

/** The configuration every test ingress starts from; `config` options are merged over it section by section. */
export const TEST_CONFIG = {
  auth: {
    tokens: [
      { id: 'admin', token: TEST_TOKENS.admin, scopes: ['admin'] },
      { id: 'kube-only', token: TEST_TOKENS.kubernetesOnly, sources: ['kubernetes-event'] },
    ],
  },
} satisfies Partial<GatewayConfigInput>;

/** A configuration file as `loadConfig` returned it. */
export interface LoadedTestConfig {
  config: GatewayConfig;
  envTokens: readonly AuthToken[];
  configHash: string;
}

export interface TestIngressOptions {
  /**
   * Builds the settings from this loaded file with `ingressSettingsFromConfig`, exactly as main.ts does, instead
   * of from TEST_CONFIG with the shared test sources.
   */
  loaded?: LoadedTestConfig;
  /** Adapters by type; plugins go here by the type they declare. Default: the built-in ones. */
  definitions?: SourceDefinitions;
  /** Token and secret files; default: none exist. */
  readFile?: ReadTextFile;
  /** Redis connection for the producer; defaults to the shared test Redis. */
  connection?: Redis;
  /** Configuration sections replacing those of TEST_CONFIG, validated by the real schema. */
  config?: Partial<GatewayConfigInput>;
  /** Replaces parts of what the configuration produced, for values outside the schema's bounds (tiny marks). */
  settings?: Partial<Omit<IngressSettingsInput, 'configHash' | 'sources'>>;
  /** Added to the built-in and shared test sources. */
  extraSources?: SourceInstanceInput[];
  /** Replaces parts of the signal queue's options: the write bound, the coalescing window and batch size. */
  signalQueue?: Partial<BullMqSignalQueueOptions>;
  /** Wraps the BullMQ-backed queue, to make enqueue fail in ways a healthy Redis never does. */
  wrapQueue?: (queue: SignalQueue) => SignalQueue;
  /**
   * The settings each request reads, e.g. those of a real configuration runtime a test proposes candidates to;
   * replaces the fixed snapshot built from `loaded` or `config`.
   */
  liveSettings?: () => IngressSettings;
  withDashboard?: boolean;
  configDetail?: IngressDeps['configDetail'];
  reloadsStarted?: IngressDeps['reloadsStarted'];
  configAdmin?: IngressDeps['configAdmin'];
  onSignalOutcome?: IngressDeps['onSignalOutcome'];
  /**
   * The event-loop delay the signal route sees. Default: a loop never late, because a loaded test machine's pauses
   * must not refuse the requests of tests about something else; the overload test passes the real monitor.
   */
  eventLoopDelay?: IngressDeps['eventLoopDelay'];
}

export interface TestIngress {
  app: ReturnType<typeof createApp>;
  prefix: string;
  /** Reads jobs back with a separate, healthy connection. */
  reader: Queue;
  /** The snapshot the ingress started with. */
  settings: IngressSettings;
  metrics: ReturnType<typeof createIngressMetrics>;
  lifecycle: ReturnType<typeof createLifecycle>;
  sampler: ReturnType<typeof createQueueDepthSampler>;
  logLines: string[];
  close(): Promise<void>;
}

function settingsFromTestConfig(options: TestIngressOptions, env: SourceEnvironment): IngressSettings {
  const config = GatewayConfigSchema.parse({ ...TEST_CONFIG, ...options.config });
  const tokens = readEnvTokens({ GATEWAY_AUTH_TOKENS: TEST_TOKENS.signals });
  const input = ingressSettingsInputFromConfig(config, tokens, 'abcdef012345', env, []);
  return buildIngressSettings({
    ...input,
    sources: [...input.sources, ...testSources, ...(options.extraSources ?? [])],
    ...options.settings,
  });
}

/** One snapshot for the test ingress's whole life, from `loaded` as main.ts builds it or from TEST_CONFIG. */
function fixedSettings(options: TestIngressOptions, env: SourceEnvironment): () => IngressSettings {
  const settings = options.loaded
    ? ingressSettingsFromConfig(options.loaded.config, options.loaded.envTokens, options.loaded.configHash, env)
        .settings
    : settingsFromTestConfig(options, env);
  return () => settings;
}

/** A signal of a waiting job, beside the job that holds it. */
export interface QueuedSignal extends SignalJob {
  job: Job;
}

/** Every signal the waiting jobs hold, whatever number of them one job holds. */
export async function waitingSignals(reader: Pick<Queue, 'getJobs'>): Promise<QueuedSignal[]> {
  const jobs = await reader.getJobs(['waiting']);
  return jobs.flatMap((job) => signalsOfJob(SignalQueueJobSchema.parse(job.data)).map((entry) => ({ ...entry, job })));
}

/** The real app over real Redis under a unique prefix, wired as main.ts wires it. */
export function createTestIngress(options: TestIngressOptions = {}): TestIngress {
  const prefix = uniquePrefix('ingress');
  const own = createTestRedis();
  const producer = options.connection ?? own;
  const queue = new Queue(SIGNAL_QUEUE_NAME, { connection: producer, prefix });
  queue.on('error', () => undefined);
  const reader = new Queue(SIGNAL_QUEUE_NAME, { connection: own, prefix });
  const logLines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => logLines.push(line) });
  const metrics = createIngressMetrics(new Registry());
  const env: SourceEnvironment = {
    definitions: options.definitions ?? builtinSources,
    readFile:
      options.readFile ??
      ((path) => {
        throw Object.assign(new Error(`no test file ${path}`), { code: 'ENOENT' });
      }),
    now: () => systemClock.now(),
    pluginHooks: pluginParseHooks(metrics, logger),
  };
  const currentSettings = options.liveSettings ?? fixedSettings(options, env);
  const settings = currentSettings();
  const lifecycle = createLifecycle();
  const sampler = createQueueDepthSampler({
    counts: () => sampleQueueDepth(producer, prefix),
    auditBacklog: redisAuditBacklog(producer, prefix),
    limits: () => {
      const { queue, audit } = currentSettings();
      return { queue, audit };
    },
    metrics,
    logger,
  });
  const signalQueue = createBullMqSignalQueue(queue, { ...DEFAULT_SIGNAL_QUEUE_OPTIONS, ...options.signalQueue });
  const app = createApp({
    settings: currentSettings,
    queue: options.wrapQueue?.(signalQueue) ?? signalQueue,
    queueDepth: sampler,
    // The PING bound is redis-health's own test; here a loaded machine's slow first PING must not read as an outage.
    redisHealth: createRedisHealth({
      ping: () => producer.ping(),
      nowMs: () => Date.now(),
      cacheMs: 0,
      timeoutMs: 5_000,
    }),
    rateLimiter: createRedisRateLimiter(producer, prefix),
    eventLoopDelay: options.eventLoopDelay ?? { sustainedMs: () => 0 },
    lifecycle,
    clock: systemClock,
    ids: uuidV7Ids,
    logger,
    metrics,
    ...(options.withDashboard ? { dashboardQueue: queue } : {}),
    ...(options.configDetail ? { configDetail: options.configDetail } : {}),
    ...(options.reloadsStarted ? { reloadsStarted: options.reloadsStarted } : {}),
    ...(options.configAdmin ? { configAdmin: options.configAdmin } : {}),
    ...(options.onSignalOutcome ? { onSignalOutcome: options.onSignalOutcome } : {}),
  });
  return {
    app,
    prefix,
    reader,
    settings,
    metrics,
    lifecycle,
    sampler,
    logLines,
    async close() {
      await sampler.stop();
      await queue.close().catch(() => undefined);
      await reader.close();
      await deleteKeysWithPrefix(own, prefix);
      own.disconnect();
    },
  };
}
