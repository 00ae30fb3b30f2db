/**
 * Worker composition root: the only module that reads the environment, creates clients and handles
 * signals. Startup order matters: health first, then the informers' initial list, and only then jobs, the
 * flusher and the audit shipper, so no admission runs without knowing which RRs are terminal
 * (docs/operations.md#startup-and-shutdown).
 */
import { hostname } from 'node:os';
import { createAuditShipper, createDataStorageSink, createJsonlFileSink } from '@gateway/audit';
import {
  formatProblems,
  loadConfig,
  readinessConfigReporter,
  redactForLog,
  redisCredentialsProblem,
} from '@gateway/config';
import { QUEUE_DEPTH_STATES, SIGNAL_QUEUE_NAME, sampleQueueDepth } from '@gateway/contracts';
import { startTracing } from '@gateway/tracing';
import { serve } from '@hono/node-server';
import { KubeConfig } from '@kubernetes/client-node';
import { Queue, Worker } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';
import { Redis } from 'ioredis';
import { type LoggerOptions, pino } from 'pino';
import { PinoPretty } from 'pino-pretty';
import { createAuditTemplates } from './audit/audit-templates.js';
import { createRedisWindowStore } from './dedup/index.js';
import { createStatusFlusher } from './flush/status-flusher.js';
import { createWorkerApp } from './http/app.js';
import { createBreakerGate } from './jobs/breaker-gate.js';
import { createSignalProcessor } from './jobs/signal-processor.js';
import {
  BreakerState,
  createCircuitBreaker,
  createRemediationClient,
  createRemediationIndex,
  createRemediationProbe,
  reuseKubeDispatchers,
} from './kube/index.js';
import { createWorkerMetrics } from './metrics.js';
import type { PipelineDeps } from './pipeline/process-signal.js';
import { createRedisReconcilerLock } from './reconcile/redis-lock.js';
import { createWindowReconciler } from './reconcile/window-reconciler.js';
import { buildRemediationRequest } from './remediation/index.js';
import { workerSettingsFromConfig } from './settings/worker-settings-from-config.js';

const EXIT_CONFIG_INVALID = 78;
/** `service.name` of the worker's spans unless OTEL_SERVICE_NAME names it otherwise. */
const WORKER_SERVICE_NAME = 'signal-gateway-worker';

const loaded = loadConfig({ env: process.env });
if (!loaded.ok) {
  process.stderr.write(`${formatProblems(loaded.problems, process.env.GATEWAY_CONFIG)}\n`);
  process.exit(EXIT_CONFIG_INVALID);
}
const settings = workerSettingsFromConfig(loaded.config);
const tracing = startTracing({
  serviceName: WORKER_SERVICE_NAME,
  endpoint: settings.otlpEndpoint,
  envEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT,
});
const configHash = loaded.configHash;
const prefix = settings.redis.prefix;
const podName = process.env.HOSTNAME ?? hostname();

const loggerOptions: LoggerOptions = {
  level: settings.logging.level,
  base: { service: 'worker', pod: podName },
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { level: (label) => ({ level: label }) },
  // Lines written while a signal is traced name its trace and span.
  ...(tracing.tracing.enabled ? { mixin: () => tracing.tracing.logFields() ?? {} } : {}),
  serializers: { err: (err: Error) => redactForLog(pino.stdSerializers.err(err)) },
  redact: ['req.headers.authorization', 'req.headers.cookie', '*.token', '*.password'],
};
const logger = pino(
  loggerOptions,
  settings.logging.format === 'pretty' ? PinoPretty({ sync: true }) : pino.destination(1),
);
for (const warning of loaded.warnings) logger.warn({ path: warning.path }, warning.message);
if (tracing.tracing.enabled) logger.info('tracing on: spans are exported over OTLP');

const metrics = createWorkerMetrics();
metrics.configInfo.set({ hash: configHash }, 1);

// Workers block on BullMQ and on the audit stream, so each gets its own connection; commands queue while
// Redis is away rather than failing jobs, and the processes start unready and retry every second.
const redisOptions = { maxRetriesPerRequest: null, retryStrategy: () => 1000 } as const;
const commands = new Redis(settings.redis.url, redisOptions);
// The window store runs a script or two per signal from up to concurrency × 16 signals at once: the commands of one
// event-loop turn share one socket write (a write per command was the largest cost in the worker's CPU profile).
// It has a connection of its own: each pipelined turn copies every command defined on its client, and BullMQ
// defines dozens on a connection it uses.
const windowConnection = new Redis(settings.redis.url, { ...redisOptions, enableAutoPipelining: true });
const queueConnection = new Redis(settings.redis.url, redisOptions);
const auditConnection = new Redis(settings.redis.url, redisOptions);
for (const connection of [commands, windowConnection, queueConnection, auditConnection]) {
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
const namespace = settings.namespace;
const store = createRedisWindowStore(windowConnection, { prefix, flushLeaseMs: settings.flushLeaseMs });

const breaker = createCircuitBreaker({
  name: 'k8s-api',
  settings: () => settings.breaker,
  probe: createRemediationProbe(kubeConfig, {
    namespace,
    requestTimeoutMs: () => settings.retryPolicy.requestTimeoutMs,
  }),
  onProbe: (name, result) => metrics.breakerProbes.inc({ name, result }),
  // breakerGate is declared once the worker exists; the breaker changes state only on Kubernetes calls, which
  // start with the worker, so the gate is always there by then.
  onStateChange: (name, state) => {
    metrics.breakerState.set({ name }, state);
    breakerGate(state);
  },
});
metrics.breakerState.set({ name: 'k8s-api' }, BreakerState.closed);

const client = createRemediationClient(kubeConfig, {
  policy: () => settings.retryPolicy,
  breaker,
  hooks: {
    onRequest: (operation, code, durationMs) => {
      metrics.k8sRequests.inc({ operation, code: String(code) });
      metrics.k8sDuration.observe({ operation }, durationMs / 1000);
    },
    onRetry: (operation, errorType) => metrics.retries.inc({ operation, error_type: errorType }),
    onExhausted: (operation, errorType) => metrics.retriesExhausted.inc({ operation, error_type: errorType }),
    onCreateFailed: (errorType) => metrics.creationErrors.inc({ error_type: errorType }),
  },
});

const index = createRemediationIndex(kubeConfig, {
  namespace,
  holdTerminal: () => settings.holdTerminal,
  onClosable: (fingerprint, rrName, deleted) => {
    store
      .close(fingerprint, rrName, !deleted, Date.now())
      .then((closed) => closed && logger.info({ fingerprint, rr: rrName, deleted }, 'dedup window closed'))
      .catch((err: unknown) =>
        logger.error({ err, fingerprint, rr: rrName }, 'closing a dedup window failed; the next signal closes it'),
      );
  },
  logger,
});

const pipeline: PipelineDeps = {
  store,
  client,
  index,
  audit: createAuditTemplates(
    () => settings.auditTemplates,
    () => new Date(),
  ),
  buildRemediationRequest,
  settings: () => settings.pipeline,
  now: () => new Date(),
  observeAdmission: (seconds) => metrics.decisionDuration.observe(seconds),
  tracing: tracing.tracing,
};

const processor = createSignalProcessor({
  pipeline,
  retry: () => settings.jobRetry,
  logger,
  metrics: {
    decided: (result, job) => {
      const sourceType = job.signal.signalSource;
      metrics.fingerprints.inc({ strategy: settings.pipeline.fingerprint.strategy });
      const received = Date.parse(job.signal.receivedTime);
      if (!Number.isNaN(received))
        metrics.signalLatency.observe({ outcome: result.outcome }, Math.max(0, Date.now() - received) / 1000);
      if (result.outcome === 'created') metrics.created.inc({ source_type: sourceType, status: 'created' });
      if (result.outcome === 'deduplicated' || result.outcome === 'adopted')
        metrics.deduplicated.inc({ source_type: sourceType });
      if (result.outcome === 'adopted') metrics.windowsRebuilt.inc();
      if (result.outcome === 'resolved') metrics.resolved.inc({ source_type: sourceType });
      if (result.outcome === 'redelivered') metrics.redelivered.inc({ source_type: sourceType });
    },
    failed: (reason) => metrics.jobsFailed.inc({ reason }),
    parked: () => metrics.jobsParked.inc(),
  },
});

const worker = new Worker(SIGNAL_QUEUE_NAME, processor, {
  connection: queueConnection,
  prefix,
  autorun: false,
  ...settings.queueWorker,
  // The job's consumer span; each signal's span links to it (docs/observability.md#tracing).
  ...(tracing.tracing.enabled ? { telemetry: new BullMQOtel({ tracerName: 'bullmq' }) } : {}),
});
worker.on('error', (err) => logger.error({ err }, 'worker error'));

const flusher = createStatusFlusher({
  store,
  client,
  settings: () => settings.flusher,
  now: () => Date.now(),
  metrics: {
    statusWrite: (result) => metrics.statusWrites.inc({ result }),
    flushLag: (seconds) => metrics.flushLag.observe(seconds),
  },
  onError: (err) => logger.error({ err }, 'status flush failed; it is retried'),
  suspended: () => breaker.state() === BreakerState.open,
});

const { dataStorage, file: auditFile } = settings.auditSink;
const dataStorageUrl = dataStorage.url;
if (!dataStorageUrl) {
  logger.warn({ path: auditFile.path }, 'DATA_STORAGE_URL is unset: audit events go to a local JSON-lines file');
}
const shipper = createAuditShipper({
  redis: auditConnection,
  prefix,
  consumerName: podName,
  sink: dataStorageUrl
    ? createDataStorageSink({
        baseUrl: dataStorageUrl,
        requestTimeoutMs: dataStorage.requestTimeoutMs,
        tokenFile: dataStorage.tokenFile,
      })
    : createJsonlFileSink(auditFile),
  ...settings.auditShipper,
  logger,
  metrics: {
    batchFinished: (result, _count, seconds) => {
      metrics.auditBatches.inc({ result });
      metrics.auditDuration.observe(seconds);
    },
    eventsDelivered: (eventType, count) => metrics.auditEvents.inc({ event_type: eventType }, count),
    eventDeadLettered: (reason) => metrics.auditDead.inc({ reason }),
    backlogObserved: (backlog) => {
      metrics.auditBacklog.set(backlog.length);
      metrics.auditOldestAge.set(backlog.oldestPendingAgeMs / 1000);
    },
  },
  ...(tracing.tracing.enabled
    ? {
        traceShipment: <T>(events: number, work: () => Promise<T>) =>
          tracing.tracing.span('audit.ship', work, { attributes: { 'gateway.audit.events': events } }),
      }
    : {}),
});

// View of the queue for the reconciler, the depth gauge and the breaker gate's promotion of delayed jobs;
// jobs are consumed by `worker` only.
const queue = new Queue(SIGNAL_QUEUE_NAME, { connection: commands, prefix });
// Without a listener an 'error' event is thrown, and the uncaught error would print its command arguments.
queue.on('error', (err) => logger.debug({ err }, 'queue view error'));
const breakerGate = createBreakerGate({
  worker,
  promoteDelayed: () => queue.promoteJobs(),
  onError: (err) => logger.warn({ err }, 'following the Kubernetes circuit breaker failed; jobs run on their backoff'),
});
const reconciler = createWindowReconciler({
  store,
  index,
  client,
  jobMayRun: async (jobId) => {
    const state = await queue.getJobState(jobId);
    return state !== 'completed' && state !== 'failed' && state !== 'unknown';
  },
  lock: createRedisReconcilerLock(commands, `${prefix}:reconcile:lock`, podName),
  settings: () => settings.reconciler,
  now: () => Date.now(),
  onError: (err) => logger.error({ err }, 'window reconciliation failed; it runs again next interval'),
});

let shuttingDown = false;
let redisReady = false;
const app = createWorkerApp({
  registry: metrics.registry,
  configHash: () => configHash,
  configDetail: readinessConfigReporter(loaded.config, process.env, () => Date.now()),
  now: () => new Date(),
  readiness: {
    shuttingDown: () => shuttingDown,
    informersSynced: () => index.synced(),
    kubernetesDegraded: () => breaker.state() !== BreakerState.closed,
    redisOk: async () => {
      try {
        await Promise.race([
          commands.ping(),
          new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 250)),
        ]);
        redisReady = true;
      } catch {
        redisReady = false;
      }
      return redisReady;
    },
  },
});
const server = serve({ fetch: app.fetch, port: settings.port, hostname: '0.0.0.0' });
logger.info({ port: settings.port, configHash, namespace }, 'worker health and metrics listening');

// Once a second: a job that waits only a few seconds (parked at the open breaker, say) still shows in the gauge.
const gauges = setInterval(() => {
  store
    .openWindows()
    .then((open) => metrics.windowsOpen.set(open))
    .catch(() => undefined);
  sampleQueueDepth(commands, prefix)
    .then(({ signals }) => {
      for (const state of QUEUE_DEPTH_STATES) metrics.queueDepth.set({ state }, signals[state]);
    })
    .catch(() => undefined);
}, 1000);
gauges.unref();

async function start(): Promise<void> {
  // The initial list gates everything: admission must know which RRs are terminal to close their windows.
  for (;;) {
    try {
      await index.start();
      break;
    } catch (err) {
      logger.warn({ err }, 'RemediationRequest informer could not list; retrying in 1 s');
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  logger.info('RemediationRequest informer synced; consuming signals');
  flusher.start();
  reconciler.start();
  await shipper.start();
  void worker.run();
}

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
  }, settings.shutdownTimeoutMs);
  deadline.unref();
  await worker.close().catch((err: unknown) => logger.error({ err }, 'closing the worker failed'));
  await reconciler.stop();
  await flusher.stop();
  await shipper.stop().catch((err: unknown) => logger.error({ err }, 'stopping the audit shipper failed'));
  index.stop();
  clearInterval(gauges);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await queue.close().catch(() => undefined);
  await Promise.allSettled([commands.quit(), windowConnection.quit(), queueConnection.quit(), auditConnection.quit()]);
  await tracing.shutdown().catch((err: unknown) => logger.warn({ err }, 'could not send the last spans'));
  logger.info('worker stopped');
  process.exit(0);
}

process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

start().catch((err: unknown) => {
  logger.fatal({ err }, 'worker failed to start');
  process.exit(1);
});
