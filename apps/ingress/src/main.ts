import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { DEFAULT_QUEUE_PREFIX, SIGNAL_QUEUE_NAME, sha256Hex } from '@gateway/contracts';
import { serve } from '@hono/node-server';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { createApp } from './app.js';
import { parseDurationMs } from './env/parse-duration.js';
import { createRedisHealth } from './health/redis-health.js';
import { createLifecycle } from './lifecycle/lifecycle.js';
import { createIngressMetrics } from './metrics/ingress-metrics.js';
import { bullMqQueueCounts } from './queue/bullmq-queue-counts.js';
import { createQueueDepthSampler } from './queue/queue-depth.js';
import { createBullMqSignalQueue } from './queue/signal-queue.js';
import { producerRedisOptions } from './redis/producer-redis-options.js';
import { authDisabled } from './routes/metrics-route.js';
import { systemClock } from './runtime/clock.js';
import { uuidV7Ids } from './runtime/ids.js';
import { buildIngressSettings, computeConfigHash, IngressSettingsError } from './settings/build-ingress-settings.js';
import { builtinSourceInputs } from './settings/builtin-source-inputs.js';
import { unlimitedRateLimiter } from './signals/rate-limiter.js';

/** sysexits EX_CONFIG: orchestrators and operators read it as "fix the configuration", not "retry". */
const EXIT_CONFIG = 78;
const DEFAULT_DRAIN_DELAY_MS = 5_000;
const SHUTDOWN_TIMEOUT_MS = 25_000;
const AUTH_DISABLED_REMINDER_MS = 10 * 60_000;
const NODE_REQUEST_TIMEOUT_MARGIN_MS = 5_000;
const HEADERS_TIMEOUT_MS = 5_000;
/** Above the 60 s idle timeout of common load balancers, so they, not we, close idle connections. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;

const env = process.env;
const logger = pino({
  level: env.LOG_LEVEL ?? 'info',
  base: { service: 'ingress', version, pod: hostname() },
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { level: (label) => ({ level: label }) },
  // SPEC §3.7: credentials never reach the log, whatever object a log call is handed.
  redact: {
    paths: [
      'authorization',
      'cookie',
      'token',
      '*.authorization',
      '*.cookie',
      '*.token',
      'headers.authorization',
      'headers.cookie',
      'headers["x-hub-signature"]',
      'headers["x-grafana-alerting-signature"]',
      'req.headers.authorization',
      'req.headers.cookie',
    ],
    censor: '[REDACTED]',
  },
});

function fail(message: string, code: number): never {
  logger.fatal(message);
  process.exit(code);
}

function readAuthMode(value: string | undefined): 'token' | 'none' {
  const mode = (value ?? 'token').trim().toLowerCase();
  if (mode === 'token' || mode === 'none') return mode;
  return fail(`GATEWAY_AUTH must be "token" or "none"`, EXIT_CONFIG);
}

function readPort(value: string | undefined): number {
  const port = Number(value ?? '8080');
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    fail('PORT must be an integer between 0 and 65535', EXIT_CONFIG);
  return port;
}

function readDrainDelayMs(value: string | undefined): number {
  if (value === undefined) return DEFAULT_DRAIN_DELAY_MS;
  const ms = parseDurationMs(value);
  if (ms === undefined || ms > 60_000) {
    return fail(
      'GATEWAY_CFG__SHUTDOWN__DRAIN_DELAY must be milliseconds or a duration like 5s, at most 60s',
      EXIT_CONFIG,
    );
  }
  return ms;
}

const authMode = readAuthMode(env.GATEWAY_AUTH);
const port = readPort(env.PORT);
const drainDelayMs = readDrainDelayMs(env.GATEWAY_CFG__SHUTDOWN__DRAIN_DELAY);
const envTokens = (env.GATEWAY_AUTH_TOKENS ?? '').split(',');
const sources = builtinSourceInputs();

let built: ReturnType<typeof buildIngressSettings>;
try {
  // Digests, not tokens, enter the hash: it is printed in /readyz and metrics.
  const configHash = computeConfigHash({
    authMode,
    tokens: envTokens
      .map((token) => token.trim())
      .filter((token) => token !== '')
      .map(sha256Hex),
    sources: sources.map(({ name, route, enabled }) => ({ name, route, enabled })),
  });
  built = buildIngressSettings({ authMode, envTokens, configHash, sources });
} catch (error) {
  if (error instanceof IngressSettingsError) fail(error.message, EXIT_CONFIG);
  throw error;
}
const settings = built.settings;
for (const warning of built.warnings) logger.warn(warning);
if (settings.auth.mode === 'token' && settings.auth.tokens.length === 0) {
  logger.error('GATEWAY_AUTH=token but GATEWAY_AUTH_TOKENS is empty: every signal request will be answered 401');
}
if (authDisabled(settings)) {
  const warnAuthDisabled = () =>
    logger.warn('authentication is disabled: signal endpoints accept unauthenticated requests');
  warnAuthDisabled();
  setInterval(warnAuthDisabled, AUTH_DISABLED_REMINDER_MS).unref();
}

const redisUrl = env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = env.QUEUE_PREFIX ?? DEFAULT_QUEUE_PREFIX;
const redis = new Redis(redisUrl, producerRedisOptions());
let lastRedisErrorLoggedAt = 0;
redis.on('error', (error) => {
  // ioredis reports every failed reconnect; one line per 10 s says the same without flooding.
  const now = Date.now();
  if (now - lastRedisErrorLoggedAt > 10_000) {
    lastRedisErrorLoggedAt = now;
    logger.error({ err: error }, 'Redis connection error');
  }
});
const queue = new Queue(SIGNAL_QUEUE_NAME, { connection: redis, prefix });
queue.on('error', (error) => logger.debug({ err: error }, 'signal queue error'));

const registry = new Registry();
collectDefaultMetrics({ register: registry });
const metrics = createIngressMetrics(registry);
const lifecycle = createLifecycle();
const queueDepth = createQueueDepthSampler({
  counts: bullMqQueueCounts(queue),
  waterMarks: () => settings.queue,
  metrics,
  logger,
});
queueDepth.start();

const app = createApp({
  settings: () => settings,
  queue: createBullMqSignalQueue(queue),
  queueDepth,
  redisHealth: createRedisHealth({ ping: () => redis.ping(), nowMs: () => Date.now() }),
  rateLimiter: unlimitedRateLimiter,
  lifecycle,
  clock: systemClock,
  ids: uuidV7Ids,
  logger,
  metrics,
  dashboardQueue: queue,
});

const server = serve(
  {
    fetch: app.fetch,
    port,
    hostname: '0.0.0.0',
    // The app answers 503 at server.requestTimeout; Node's own limit is a backstop for bodies that never end.
    serverOptions: {
      requestTimeout: settings.server.requestTimeoutMs + NODE_REQUEST_TIMEOUT_MARGIN_MS,
      headersTimeout: HEADERS_TIMEOUT_MS,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    },
  },
  (info) => {
    logger.info({ port: info.port, configHash: settings.configHash, prefix }, 'ingress listening');
  },
);

async function shutdown(signal: string): Promise<void> {
  lifecycle.beginShutdown();
  logger.info({ signal, drainDelayMs }, 'shutdown: readiness 503, still serving while endpoints update');
  const forceExit = setTimeout(() => {
    logger.error('shutdown timed out; exiting');
    process.exit(1);
  }, drainDelayMs + SHUTDOWN_TIMEOUT_MS);
  forceExit.unref();
  await new Promise((resolve) => setTimeout(resolve, drainDelayMs));
  lifecycle.beginClosingConnections();
  // close() stops accepting and resolves once open connections ended; idle keep-alive ones are closed now,
  // busy ones finish their request (answered with Connection: close) first.
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  if ('closeIdleConnections' in server) server.closeIdleConnections();
  await closed;
  await queueDepth.stop();
  await queue.close();
  await redis.quit().catch(() => redis.disconnect());
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
