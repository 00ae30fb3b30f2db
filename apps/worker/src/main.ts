/**
 * Worker process: the only module that reads the environment, creates clients and handles signals; the worker
 * itself is built by `createWorker`. Startup order matters: health first, then the informers' initial list, and
 * only then jobs, the flusher and the audit shipper, so no admission runs without knowing which RRs are terminal
 * (docs/operations.md#startup-and-shutdown). The reload controller (file watch, fleet fan-out and heartbeat) starts
 * before that wait, so reloads and the fleet view work while the Kubernetes API is unreachable.
 */
import { hostname } from 'node:os';
import { createConfigRuntime, formatProblems, loadConfig, redisCredentialsProblem } from '@gateway/config';
import { createProcessLogger } from '@gateway/logging';
import { createReloadController, createReloadMetrics, RELOAD_TRIGGER } from '@gateway/reload';
import { startTracing } from '@gateway/tracing';
import { serve } from '@hono/node-server';
import { KubeConfig } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { createWorker } from './create-worker.js';
import { reuseKubeDispatchers } from './kube/index.js';
import { createWorkerMetrics } from './metrics.js';
import { workerSettingsFromConfig } from './settings/worker-settings-from-config.js';

const EXIT_CONFIG_INVALID = 78;
/** `service.name` of the worker's spans unless OTEL_SERVICE_NAME names it otherwise. */
const WORKER_SERVICE_NAME = 'signal-gateway-worker';

const loaded = loadConfig({ env: process.env });
if (!loaded.ok) {
  process.stderr.write(`${formatProblems(loaded.problems, process.env.GATEWAY_CONFIG)}\n`);
  process.exit(EXIT_CONFIG_INVALID);
}
const runtime = createConfigRuntime({
  initial: loaded,
  build: (snapshot) => workerSettingsFromConfig(snapshot.config),
  // Swaps happen only once the logger below exists.
  onListenerError: (err) => logger.error({ err }, 'applying a configuration change failed'),
});
// Restart-only settings: what the process is built from keeps the values it started with.
const startup = runtime.current().built;
const tracing = startTracing({
  serviceName: WORKER_SERVICE_NAME,
  endpoint: startup.otlpEndpoint,
  envEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT,
});
const prefix = startup.redis.prefix;
const podName = process.env.HOSTNAME ?? hostname();

const logger = createProcessLogger({
  base: { service: 'worker', pod: podName },
  level: startup.logging.level,
  format: startup.logging.format,
  // Lines written while a signal is traced name its trace and span.
  ...(tracing.tracing.enabled ? { traceFields: () => tracing.tracing.logFields() } : {}),
});
for (const warning of loaded.warnings) logger.warn({ path: warning.path }, warning.message);
if (tracing.tracing.enabled) logger.info('tracing on: spans are exported over OTLP');

// The processes start unready and retry Redis every second.
const redisOptions = { maxRetriesPerRequest: null, retryStrategy: () => 1000 } as const;
const redis = {
  commands: new Redis(startup.redis.url, redisOptions),
  windows: new Redis(startup.redis.url, { ...redisOptions, enableAutoPipelining: true }),
  queue: new Redis(startup.redis.url, redisOptions),
  audit: new Redis(startup.redis.url, redisOptions),
};
// A subscribed connection takes no other commands, so the reload fan-out has its own.
const subscriber = new Redis(startup.redis.url, redisOptions);
const connections = [...Object.values(redis), subscriber];
for (const connection of connections) {
  connection.on('error', (err) => {
    const refused = redisCredentialsProblem(err);
    if (refused) {
      process.stderr.write(`config rejected: ${refused}\n`);
      logger.fatal(refused);
      process.exit(EXIT_CONFIG_INVALID);
    }
    logger.warn({ err: { message: err.message } }, 'redis connection error');
  });
}

const kubeConfig = new KubeConfig();
kubeConfig.loadFromDefault();
reuseKubeDispatchers(kubeConfig);

const metrics = createWorkerMetrics();
const controller = createReloadController({
  runtime,
  load: () => loadConfig({ env: process.env }),
  role: 'worker',
  processId: `${podName}:${process.pid}`,
  pod: podName,
  redis: redis.commands,
  subscriber,
  prefix,
  configPath: process.env.GATEWAY_CONFIG,
  logger,
  metrics: createReloadMetrics(metrics.registry),
  nowMs: () => Date.now(),
});

const worker = createWorker({
  config: runtime,
  reload: controller,
  redis,
  kubeConfig,
  logger,
  tracing: tracing.tracing,
  metrics,
  podName,
});
const server = serve({ fetch: worker.app.fetch, port: startup.port, hostname: '0.0.0.0' });
logger.info(
  { port: startup.port, configHash: runtime.current().snapshot.configHash, namespace: startup.namespace },
  'worker health and metrics listening',
);

let shuttingDown = false;
async function shutdown(signal: string): Promise<void> {
  if (shuttingDown) {
    logger.warn({ signal }, 'second signal: exiting now');
    process.exit(1);
  }
  shuttingDown = true;
  logger.info({ signal }, 'shutting down: finishing active jobs, final flush and audit batch');
  const deadline = setTimeout(() => {
    logger.error('shutdown timed out; unfinished jobs run again on another worker');
    process.exit(1);
  }, startup.shutdownTimeoutMs);
  deadline.unref();
  await controller.stop().catch((err: unknown) => logger.warn({ err }, 'stopping configuration reloads failed'));
  await worker.stop();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await Promise.allSettled(connections.map((connection) => connection.quit()));
  await tracing.shutdown().catch((err: unknown) => logger.warn({ err }, 'could not send the last spans'));
  logger.info('worker stopped');
  process.exit(0);
}

process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
// An operator's SIGHUP applies the file even when an automatic rollback quarantined it.
process.on('SIGHUP', () => {
  if (shuttingDown) return;
  controller
    .reload({ trigger: RELOAD_TRIGGER.signal, force: true })
    .catch((err: unknown) => logger.error({ err }, 'configuration reload failed'));
});

// The controller first: the configuration metrics, the fleet view and reloads work while the worker still waits
// for its first RemediationRequest list (which lasts as long as the API is unreachable).
async function start(): Promise<void> {
  await controller.start();
  await worker.start();
}

start().catch((err: unknown) => {
  logger.fatal({ err }, 'worker failed to start');
  process.exit(1);
});
