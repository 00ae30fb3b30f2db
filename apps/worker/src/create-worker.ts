import { type AuditSink, createAuditShipper, createDataStorageSink, createJsonlFileSink } from '@gateway/audit';
import type { ActiveConfig, ConfigChange, ReadinessConfigDetail } from '@gateway/config';
import { QUEUE_DEPTH_STATES, SIGNAL_QUEUE_NAME, sampleQueueDepth } from '@gateway/contracts';
import { createFingerprinter, createRedisSimilarityStore } from '@gateway/fingerprint';
import type { SignalTracing } from '@gateway/tracing';
import type { KubeConfig } from '@kubernetes/client-node';
import { Queue, Worker } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';
import type { Hono } from 'hono';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createAuditTemplates } from './audit/audit-templates.js';
import { createRedisWindowStore } from './dedup/index.js';
import { createDedupRatio } from './dedup-ratio.js';
import { createStatusFlusher } from './flush/status-flusher.js';
import { createWorkerApp } from './http/app.js';
import { createBreakerGate } from './jobs/breaker-gate.js';
import { createSignalProcessor, type JobDeps } from './jobs/signal-processor.js';
import {
  BreakerState,
  createCircuitBreaker,
  createOwnerLookup,
  createRemediationClient,
  createRemediationIndex,
  createRemediationProbe,
} from './kube/index.js';
import type { WorkerMetrics } from './metrics.js';
import type { PipelineDeps } from './pipeline/process-signal.js';
import { createRedisReconcilerLock } from './reconcile/redis-lock.js';
import { createWindowReconciler } from './reconcile/window-reconciler.js';
import { buildRemediationRequest } from './remediation/index.js';
import type { AuditSinkSettings, WorkerSettings } from './settings/worker-settings-from-config.js';

/** The configuration runtime as the worker uses it: the running snapshot and its swaps. */
export interface WorkerConfigSource {
  current(): ActiveConfig<WorkerSettings>;
  subscribe(listener: (change: ConfigChange<WorkerSettings>) => void): () => void;
}

/** The reload controller as the worker uses it. */
export interface WorkerReloadHooks {
  readiness(): ReadinessConfigDetail;
  /** Feeds automatic rollback's error ratio: one call per signal whose processing ended. */
  recordOutcome(isError: boolean): void;
}

/**
 * Each blocking or heavily used client gets a connection of its own. Commands queue while Redis is away rather than
 * failing jobs (`maxRetriesPerRequest: null`).
 */
export interface WorkerRedisConnections {
  /** Queue view, reconciler lock, readiness pings and gauges. */
  commands: Redis;
  /**
   * The window store runs a script or two per signal from up to concurrency × 16 signals at once: with auto-pipelining
   * the commands of one event-loop turn share one socket write (a write per command was the largest cost in the
   * worker's CPU profile). It is the store's alone: each pipelined turn copies every command defined on its client,
   * and BullMQ defines dozens on a connection it uses.
   */
  windows: Redis;
  /** The BullMQ worker blocks on it. */
  queue: Redis;
  /** The audit shipper blocks on it. */
  audit: Redis;
}

export interface CreateWorkerDeps {
  config: WorkerConfigSource;
  reload: WorkerReloadHooks;
  redis: WorkerRedisConnections;
  kubeConfig: KubeConfig;
  logger: Logger;
  tracing: SignalTracing;
  metrics: WorkerMetrics;
  /** Names this worker's audit consumer and its hold on the reconciler lock. */
  podName: string;
}

export interface GatewayWorker {
  /** `/healthz`, `/readyz` and `/metrics`. */
  app: Hono;
  /**
   * The initial RemediationRequest list gates everything: admission must know which RRs are terminal to close their
   * windows. Then jobs, the status flusher, the reconciler and the audit shipper start.
   */
  start(): Promise<void>;
  /** Finishes active jobs, runs a final status flush and audit batch; the connections stay open for their owner. */
  stop(): Promise<void>;
  /** Jobs the BullMQ worker runs at once. */
  concurrency(): number;
}

/**
 * Audit goes to Data Storage, whose timeout and token file apply from the next batch after a reload, or to the
 * JSON-lines file; the URL and the file are restart-only, so which of the two never changes.
 */
function createAuditSink(settings: () => AuditSinkSettings): AuditSink {
  const { dataStorage, file } = settings();
  if (!dataStorage.url) return createJsonlFileSink(file);
  const url = dataStorage.url;
  const dataStorageSink = ({ requestTimeoutMs, tokenFile }: AuditSinkSettings['dataStorage']) => ({
    requestTimeoutMs,
    tokenFile,
    sink: createDataStorageSink({ baseUrl: url, requestTimeoutMs, tokenFile }),
  });
  let current = dataStorageSink(dataStorage);
  return {
    name: current.sink.name,
    send(events, options) {
      const next = settings().dataStorage;
      // Rebuilt only when its settings changed: the sink caches the token it read.
      if (next.requestTimeoutMs !== current.requestTimeoutMs || next.tokenFile !== current.tokenFile)
        current = dataStorageSink(next);
      return current.sink.send(events, options);
    },
  };
}

/** `gateway_fingerprint_dedup_ratio` looks back this far. */
const DEDUP_RATIO_WINDOW_MS = 5 * 60_000;

/**
 * Builds the worker from its clients. Every setting is read from the running configuration snapshot: a job takes one
 * when it starts and keeps it to its end; the flusher, the reconciler, the breaker and the shipper read it at each
 * round, decision or batch; what BullMQ and pino hold themselves is updated on every swap.
 */
export function createWorker(deps: CreateWorkerDeps): GatewayWorker {
  const { config, logger, metrics, redis, kubeConfig, tracing } = deps;
  const settings = (): WorkerSettings => config.current().built;
  const startup = settings();
  const { prefix } = startup.redis;
  // Restart-only: the informer watches, and RRs are created in, the namespace the worker started with.
  const { namespace } = startup;
  const now = () => new Date();

  const store = createRedisWindowStore(redis.windows, { prefix, flushLeaseMs: () => settings().flushLeaseMs });

  const breaker = createCircuitBreaker({
    name: 'k8s-api',
    settings: () => settings().breaker,
    probe: createRemediationProbe(kubeConfig, {
      namespace,
      requestTimeoutMs: () => settings().retryPolicy.requestTimeoutMs,
    }),
    onProbe: (name, result) => metrics.breakerProbes.inc({ name, result }),
    // breakerGate is declared once the BullMQ worker exists; the breaker changes state only on Kubernetes calls,
    // which start with the worker, so the gate is always there by then.
    onStateChange: (name, state) => {
      metrics.breakerState.set({ name }, state);
      breakerGate(state);
    },
  });
  metrics.breakerState.set({ name: 'k8s-api' }, BreakerState.closed);

  const client = createRemediationClient(kubeConfig, {
    policy: () => settings().retryPolicy,
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
    holdTerminal: () => settings().holdTerminal,
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

  const fingerprinter = createFingerprinter({
    owners: createOwnerLookup(kubeConfig, {
      breaker,
      isLocalCluster: (clusterId) => clusterId === '' || clusterId === settings().hubClusterId,
      onRequest: (operation, code, durationMs) => {
        metrics.k8sRequests.inc({ operation, code });
        metrics.k8sDuration.observe({ operation }, durationMs / 1000);
      },
    }),
    // The window store's connection: one script per signal, auto-pipelined like the admission scripts.
    similarity: createRedisSimilarityStore(redis.windows, { prefix }),
    nowMs: Date.now,
    hooks: {
      ownerResolved: (outcome) => metrics.ownerResolutions.inc({ outcome }),
      similarityDecided: ({ result, score, nearMiss, members }) => {
        metrics.similarityDecisions.inc({ result });
        metrics.similarityScore.observe(score);
        if (nearMiss) metrics.similarityNearMisses.inc();
        metrics.similarityClusterMembers.observe(members);
      },
      volatileLabelKeys: (count) => metrics.volatileLabelKeys.set(count),
    },
  });
  const dedupRatio = createDedupRatio({ windowMs: DEDUP_RATIO_WINDOW_MS, nowMs: Date.now });

  const pipelinePorts: Omit<PipelineDeps, 'settings' | 'audit'> = {
    fingerprinter,
    store,
    client,
    index,
    buildRemediationRequest,
    now,
    observeAdmission: (seconds) => metrics.decisionDuration.observe(seconds),
    tracing,
  };
  // One set per snapshot, made when the first job after a swap asks for it.
  let jobDepsOfSnapshot: { built: WorkerSettings; jobDeps: JobDeps } | undefined;
  const jobDeps = (): JobDeps => {
    const built = settings();
    if (jobDepsOfSnapshot?.built !== built) {
      const pipeline = {
        ...pipelinePorts,
        settings: built.pipeline,
        audit: createAuditTemplates(built.auditTemplates, now),
      };
      jobDepsOfSnapshot = { built, jobDeps: { pipeline, retry: built.jobRetry } };
    }
    return jobDepsOfSnapshot.jobDeps;
  };

  const processor = createSignalProcessor({
    jobDeps,
    logger,
    metrics: {
      decided: (result, job, _durationMs, pipelineSettings) => {
        deps.reload.recordOutcome(false);
        const sourceType = job.signal.signalSource;
        const strategy = result.strategy ?? pipelineSettings.fingerprint.strategy;
        metrics.fingerprints.inc({ strategy });
        if (result.outcome === 'created' || result.outcome === 'deduplicated' || result.outcome === 'adopted')
          dedupRatio.record(strategy, result.outcome !== 'created');
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
      failed: (reason) => {
        deps.reload.recordOutcome(true);
        metrics.jobsFailed.inc({ reason });
      },
      parked: () => metrics.jobsParked.inc(),
    },
  });

  const worker = new Worker(SIGNAL_QUEUE_NAME, processor, {
    connection: redis.queue,
    prefix,
    autorun: false,
    ...startup.queueWorker,
    // The job's consumer span; each signal's span links to it (docs/observability.md#tracing).
    ...(tracing.enabled ? { telemetry: new BullMQOtel({ tracerName: 'bullmq' }) } : {}),
  });
  worker.on('error', (err) => logger.error({ err }, 'worker error'));

  const flusher = createStatusFlusher({
    store,
    client,
    settings: () => settings().flusher,
    now: () => Date.now(),
    metrics: {
      statusWrite: (result) => metrics.statusWrites.inc({ result }),
      flushLag: (seconds) => metrics.flushLag.observe(seconds),
    },
    onError: (err) => logger.error({ err }, 'status flush failed; it is retried'),
    suspended: () => breaker.state() === BreakerState.open,
  });

  if (!startup.auditSink.dataStorage.url) {
    logger.warn(
      { path: startup.auditSink.file.path },
      'DATA_STORAGE_URL is unset: audit events go to a local JSON-lines file',
    );
  }
  const shipper = createAuditShipper({
    redis: redis.audit,
    prefix,
    consumerName: deps.podName,
    sink: createAuditSink(() => settings().auditSink),
    settings: () => settings().auditShipper,
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
    ...(tracing.enabled
      ? {
          traceShipment: <T>(events: number, work: () => Promise<T>) =>
            tracing.span('audit.ship', work, { attributes: { 'gateway.audit.events': events } }),
        }
      : {}),
  });

  // View of the queue for the reconciler, the depth gauge and the breaker gate's promotion of delayed jobs;
  // jobs are consumed by `worker` only.
  const queue = new Queue(SIGNAL_QUEUE_NAME, { connection: redis.commands, prefix });
  // Without a listener an 'error' event is thrown, and the uncaught error would print its command arguments.
  queue.on('error', (err) => logger.debug({ err }, 'queue view error'));
  const breakerGate = createBreakerGate({
    worker,
    promoteDelayed: () => queue.promoteJobs(),
    onError: (err) =>
      logger.warn({ err }, 'following the Kubernetes circuit breaker failed; jobs run on their backoff'),
  });
  const reconciler = createWindowReconciler({
    store,
    index,
    client,
    jobMayRun: async (jobId) => {
      const state = await queue.getJobState(jobId);
      return state !== 'completed' && state !== 'failed' && state !== 'unknown';
    },
    lock: createRedisReconcilerLock(redis.commands, `${prefix}:reconcile:lock`, deps.podName),
    settings: () => settings().reconciler,
    now: () => Date.now(),
    onError: (err) => logger.error({ err }, 'window reconciliation failed; it runs again next interval'),
  });

  const unsubscribe = config.subscribe(({ current }) => {
    const next = current.built;
    worker.concurrency = next.queueWorker.concurrency;
    // BullMQ 6.7 reads the worker's removeOnFail each time a job fails, and the gateway's jobs carry none of their
    // own, so the retention of the next failure follows the reload.
    worker.opts.removeOnFail = next.queueWorker.removeOnFail;
    logger.level = next.logging.level;
  });

  let stopping = false;
  const app = createWorkerApp({
    registry: metrics.registry,
    configHash: () => config.current().snapshot.configHash,
    configDetail: () => deps.reload.readiness(),
    now,
    readiness: {
      shuttingDown: () => stopping,
      informersSynced: () => index.synced(),
      kubernetesDegraded: () => breaker.state() !== BreakerState.closed,
      redisOk: async () => {
        try {
          await Promise.race([
            redis.commands.ping(),
            new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 250)),
          ]);
          return true;
        } catch {
          return false;
        }
      },
    },
  });

  let gauges: NodeJS.Timeout | undefined;
  const sampleGauges = (): void => {
    metrics.dedupRatio.reset();
    for (const [strategy, ratio] of dedupRatio.ratios()) metrics.dedupRatio.set({ strategy }, ratio);
    store
      .openWindows()
      .then((open) => metrics.windowsOpen.set(open))
      .catch(() => undefined);
    sampleQueueDepth(redis.commands, prefix)
      .then(({ signals }) => {
        for (const state of QUEUE_DEPTH_STATES) metrics.queueDepth.set({ state }, signals[state]);
      })
      .catch(() => undefined);
  };

  return {
    app,
    concurrency: () => worker.concurrency,
    async start() {
      // Once a second: a job that waits only a few seconds (parked at the open breaker, say) still shows in the gauge.
      gauges = setInterval(sampleGauges, 1000);
      gauges.unref();
      for (;;) {
        try {
          await index.start();
          break;
        } catch (err) {
          if (stopping) return;
          logger.warn({ err }, 'RemediationRequest informer could not list; retrying in 1 s');
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }
      if (stopping) return;
      logger.info({ namespace }, 'RemediationRequest informer synced; consuming signals');
      flusher.start();
      reconciler.start();
      await shipper.start();
      void worker.run();
    },
    async stop() {
      stopping = true;
      unsubscribe();
      await worker.close().catch((err: unknown) => logger.error({ err }, 'closing the worker failed'));
      await reconciler.stop();
      await flusher.stop();
      await shipper.stop().catch((err: unknown) => logger.error({ err }, 'stopping the audit shipper failed'));
      await index.stop();
      clearInterval(gauges);
      await queue.close().catch(() => undefined);
    },
  };
}
