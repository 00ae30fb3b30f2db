import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { maxHeaderSize } from 'node:http';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import {
  type ConfigRuntime,
  createConfigRuntime,
  formatProblems,
  loadConfig,
  redisCredentialsProblem,
} from '@gateway/config';
import { SIGNAL_QUEUE_NAME, sampleQueueDepth } from '@gateway/contracts';
import { createProcessLogger } from '@gateway/logging';
import { createReloadController, createReloadMetrics, readFleet } from '@gateway/reload';
import type { LoadedSourcePlugin } from '@gateway/sources';
import { builtinSources, loadSourcePlugins, SourcePluginLoadError } from '@gateway/sources';
import { startTracing } from '@gateway/tracing';
import { serve } from '@hono/node-server';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { createApp } from './app.js';
import { createRedisHealth } from './health/redis-health.js';
import { createClientErrorHandler } from './http/client-error.js';
import { startEventLoopDelay } from './lifecycle/event-loop-delay.js';
import { createLifecycle } from './lifecycle/lifecycle.js';
import { createIngressMetrics } from './metrics/ingress-metrics.js';
import { pluginParseHooks } from './metrics/plugin-parse-hooks.js';
import { createQueueDepthSampler } from './queue/queue-depth.js';
import { redisAuditBacklog } from './queue/redis-audit-backlog.js';
import { createBullMqSignalQueue } from './queue/signal-queue.js';
import { producerRedisOptions } from './redis/producer-redis-options.js';
import { subscriberRedisOptions } from './redis/subscriber-redis-options.js';
import { authDisabled } from './routes/metrics-route.js';
import { systemClock } from './runtime/clock.js';
import { uuidV7Ids } from './runtime/ids.js';
import { ingressProcessSettingsFromConfig, MAX_REQUEST_TIMEOUT_MS } from './settings/ingress-process-settings.js';
import type { IngressSettings } from './settings/ingress-settings.js';
import { IngressSettingsError } from './settings/ingress-settings-error.js';
import type { BuiltIngressSettings, SourceEnvironment } from './settings/ingress-settings-from-config.js';
import { ingressSettingsFromConfig } from './settings/ingress-settings-from-config.js';
import { createRedisRateLimiter } from './signals/redis-rate-limiter.js';

/** sysexits EX_CONFIG: orchestrators and operators read it as "fix the configuration", not "retry". */
const EXIT_CONFIG = 78;
const AUTH_DISABLED_REMINDER_MS = 10 * 60_000;
const NODE_REQUEST_TIMEOUT_MARGIN_MS = 5_000;
/** `service.name` of the ingress's spans unless OTEL_SERVICE_NAME names it otherwise. */
const INGRESS_SERVICE_NAME = 'signal-gateway-ingress';

const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;

const loaded = loadConfig({ env: process.env });
if (!loaded.ok) {
  process.stderr.write(`${formatProblems(loaded.problems, process.env.GATEWAY_CONFIG)}\n`);
  process.exit(EXIT_CONFIG);
}
const config = loaded.config;
const processSettings = ingressProcessSettingsFromConfig(config);
const tracing = startTracing({
  serviceName: INGRESS_SERVICE_NAME,
  endpoint: processSettings.otlpEndpoint,
  envEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT,
});

const logger = createProcessLogger({
  base: { service: 'ingress', version, pod: hostname() },
  level: processSettings.logging.level,
  format: processSettings.logging.format,
  // Lines written inside a traced request name its trace and span.
  ...(tracing.tracing.enabled ? { traceFields: () => tracing.tracing.logFields() } : {}),
});
for (const warning of loaded.warnings) logger.warn({ path: warning.path }, warning.message);
if (tracing.tracing.enabled) logger.info('tracing on: spans are exported over OTLP');

/** Startup problems the schema cannot see (files, adapters): the same stderr line and exit code as invalid config. */
function failConfig(message: string, report = `config rejected: ${message}`): never {
  process.stderr.write(`${report}\n`);
  logger.fatal(message);
  process.exit(EXIT_CONFIG);
}

// Plugins are code: imported once here, from where the configuration file lives, never on reload
// (docs/signals-and-sources.md#plugins).
const configPath = process.env.GATEWAY_CONFIG;
let plugins: Map<string, LoadedSourcePlugin>;
try {
  plugins = await loadSourcePlugins(processSettings.plugins, {
    baseDir: configPath ? dirname(resolve(configPath)) : process.cwd(),
  });
} catch (error) {
  if (error instanceof SourcePluginLoadError) failConfig(error.message);
  throw error;
}
const definitions = {
  ...builtinSources,
  ...Object.fromEntries([...plugins].map(([type, plugin]) => [type, plugin.definition])),
};

const registry = new Registry();
collectDefaultMetrics({ register: registry });
const metrics = createIngressMetrics(registry);

const sourceEnvironment: SourceEnvironment = {
  definitions,
  readFile: (path) => readFileSync(path, 'utf8'),
  now: () => systemClock.now(),
  pluginHooks: pluginParseHooks(metrics, logger),
};
// Every reload builds its settings off to the side the same way; requests read whichever snapshot is current
// when they start and keep it to the end.
let runtime: ConfigRuntime<BuiltIngressSettings>;
try {
  runtime = createConfigRuntime({
    initial: loaded,
    build: (snapshot) =>
      ingressSettingsFromConfig(snapshot.config, snapshot.envTokens, snapshot.configHash, sourceEnvironment),
    onListenerError: (err) => logger.error({ err }, 'applying a configuration change failed'),
  });
} catch (error) {
  if (error instanceof IngressSettingsError) failConfig(error.message, formatProblems(error.problems, configPath));
  throw error;
}
const settings = (): IngressSettings => runtime.current().built.settings;

function warnIfAuthDisabled(current: IngressSettings): void {
  if (authDisabled(current))
    logger.warn('authentication is disabled: signal endpoints accept unauthenticated requests');
}

/** What an operator must hear about settings, at startup and after every swap. */
function announceSettings(built: BuiltIngressSettings): void {
  for (const warning of built.warnings) logger.warn(warning);
  const { auth } = built.settings;
  if (auth.mode === 'token' && !auth.tokens.some((token) => token.scopes.includes('signals'))) {
    logger.error(
      'auth.mode is token but no token has scope signals (GATEWAY_AUTH_TOKENS, auth.tokens): every signal request will be answered 401',
    );
  }
  warnIfAuthDisabled(built.settings);
}

announceSettings(runtime.current().built);
setInterval(() => warnIfAuthDisabled(settings()), AUTH_DISABLED_REMINDER_MS).unref();
runtime.subscribe((change) => {
  // pino checks the level on every call, so lines written from now on follow the new one.
  logger.level = change.current.snapshot.config.logging.level;
  announceSettings(change.current.built);
});

const prefix = processSettings.redis.prefix;
const drainDelayMs = processSettings.shutdown.drainDelayMs;
const redis = new Redis(processSettings.redis.url, producerRedisOptions());
let lastRedisErrorLoggedAt = 0;
redis.on('error', (error) => {
  const refused = redisCredentialsProblem(error);
  if (refused) failConfig(refused);
  // ioredis reports every failed reconnect; one line per 10 s says the same without flooding.
  const now = Date.now();
  if (now - lastRedisErrorLoggedAt > 10_000) {
    lastRedisErrorLoggedAt = now;
    logger.error({ err: error }, 'Redis connection error');
  }
});
const queue = new Queue(SIGNAL_QUEUE_NAME, { connection: redis, prefix });
queue.on('error', (error) => logger.debug({ err: error }, 'signal queue error'));

const lifecycle = createLifecycle();
const queueDepth = createQueueDepthSampler({
  counts: () => sampleQueueDepth(redis, prefix),
  auditBacklog: redisAuditBacklog(redis, prefix),
  limits: () => {
    const { queue, audit } = settings();
    return { queue, audit };
  },
  metrics,
  logger,
});
queueDepth.start();

// Sampled every 10 ms: fine enough to see a saturated loop within a few requests, cheap enough to cost nothing.
const eventLoopDelay = startEventLoopDelay({ intervalMs: 10, nowMs: () => performance.now() });

// Pub/sub takes a connection of its own: a subscribed ioredis connection accepts no other commands.
const subscriber = new Redis(processSettings.redis.url, subscriberRedisOptions());
subscriber.on('error', (error) => logger.debug({ err: error }, 'configuration fan-out connection error'));
const reloadMetrics = createReloadMetrics(registry);
let reloadsStarted = false;
const controller = createReloadController({
  runtime,
  load: () => loadConfig({ env: process.env }),
  role: 'ingress',
  processId: `${hostname()}:${process.pid}`,
  pod: hostname(),
  redis,
  subscriber,
  prefix,
  configPath,
  logger,
  metrics: reloadMetrics,
  nowMs: () => Date.now(),
});

const app = createApp({
  settings,
  queue: createBullMqSignalQueue(queue),
  queueDepth,
  redisHealth: createRedisHealth({ ping: () => redis.ping(), nowMs: () => Date.now() }),
  rateLimiter: createRedisRateLimiter(redis, prefix),
  eventLoopDelay,
  lifecycle,
  clock: systemClock,
  ids: uuidV7Ids,
  logger,
  metrics,
  dashboardQueue: queue,
  configDetail: () => controller.readiness(),
  reloadsStarted: () => reloadsStarted,
  configAdmin: {
    reload: (request) => controller.reload(request),
    fleet: () => readFleet(redis, prefix, Date.now()),
  },
  onSignalOutcome: (isError) => controller.recordOutcome(isError),
  tracing: tracing.tracing,
});

const nodeRequestTimeoutMs = MAX_REQUEST_TIMEOUT_MS + NODE_REQUEST_TIMEOUT_MARGIN_MS;
const server = serve(
  {
    fetch: app.fetch,
    port: processSettings.port,
    hostname: '0.0.0.0',
    // The app answers 503 at server.requestTimeout; Node's own limit is a backstop for bodies that never end, above
    // any value a reload can set. Node refuses a headersTimeout above it, which the schema's bounds rule out.
    serverOptions: {
      requestTimeout: nodeRequestTimeoutMs,
      headersTimeout: processSettings.headersTimeoutMs,
      keepAliveTimeout: processSettings.keepAliveTimeoutMs,
    },
  },
  (info) => {
    logger.info({ port: info.port, configHash: settings().configHash, prefix }, 'ingress listening');
  },
);
const listening = once(server, 'listening');

server.on(
  'clientError',
  createClientErrorHandler(
    { maxHeaderBytes: maxHeaderSize, requestTimeoutMs: nodeRequestTimeoutMs },
    uuidV7Ids.requestId,
  ),
);

async function shutdown(signal: string): Promise<void> {
  lifecycle.beginShutdown();
  logger.info({ signal, drainDelayMs }, 'shutdown: readiness 503, still serving while endpoints update');
  const forceExit = setTimeout(() => {
    logger.error('shutdown timed out; exiting');
    process.exit(1);
  }, drainDelayMs + processSettings.shutdown.timeoutMs);
  forceExit.unref();
  await new Promise((resolve) => setTimeout(resolve, drainDelayMs));
  lifecycle.beginClosingConnections();
  // close() stops accepting and resolves once open connections ended; idle keep-alive ones are closed now,
  // busy ones finish their request (answered with Connection: close) first.
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  if ('closeIdleConnections' in server) server.closeIdleConnections();
  await closed;
  await queueDepth.stop();
  // Before Redis closes: stopping removes this process from the fleet view.
  await controller.stop();
  subscriber.disconnect();
  await queue.close();
  await redis.quit().catch(() => redis.disconnect());
  await tracing.shutdown().catch((error: unknown) => logger.warn({ err: error }, 'could not send the last spans'));
  logger.info('shutdown complete');
  clearTimeout(forceExit);
}

let shuttingDown = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (shuttingDown) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    shuttingDown = true;
    shutdown(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}

process.on('SIGHUP', () => {
  // A signal is an operator's explicit request, so it applies a candidate an automatic rollback quarantined.
  controller
    .reload({ trigger: 'signal', force: true })
    .catch((err: unknown) => logger.error({ err }, 'configuration reload failed'));
});

await listening;
// The controller reports to the fleet view at once, over the producer connection, which refuses commands until
// Redis answers rather than queueing them. Connection errors meanwhile are the error handler's (events.once would
// reject on the first one).
if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
await controller.start();
reloadsStarted = true;
