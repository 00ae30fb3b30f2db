import type { GatewayConfig, LoggingConfig } from '@gateway/config';
import { fingerprintSettingsFromConfig } from '@gateway/fingerprint';
import type { WorkerOptions } from 'bullmq';
import type { AuditTemplateSettings } from '../audit/audit-templates.js';
import type { StatusFlusherSettings } from '../flush/status-flusher.js';
import type { JobRetrySettings } from '../jobs/signal-processor.js';
import type { CircuitBreakerSettings, HoldTerminalOptions, RetryPolicy } from '../kube/index.js';
import type { PipelineSettings } from '../pipeline/process-signal.js';
import type { WindowReconcilerSettings } from '../reconcile/window-reconciler.js';

/** Entries the flusher pops per round, so one round's status writes stay bounded. */
const FLUSH_BATCH_LIMIT = 500;
/** Completed jobs are only kept for the dashboard and the reconciler's job-state lookups. */
const COMPLETED_RETENTION = { age: 3600, count: 10_000 } as const;

/** Audit goes to Data Storage when its URL is set, to the rotated JSON-lines file otherwise. */
export interface AuditSinkSettings {
  dataStorage: { url: string | undefined; requestTimeoutMs: number; tokenFile: string };
  file: { path: string; maxBytes: number; maxFiles: number };
}

/** Everything the worker process is built from, derived from the validated configuration alone. */
export interface WorkerSettings {
  port: number;
  /** OTLP endpoint for traces; tracing is off without one. */
  otlpEndpoint: string | undefined;
  redis: { url: string; prefix: string };
  logging: Pick<LoggingConfig, 'level' | 'format'>;
  namespace: string;
  /** Signals of this cluster id (and of `""`) are the hub's: owner lookups read them through the worker's client. */
  hubClusterId: string;
  /**
   * A flush taken by a worker that then dies stays leased this long before another worker writes it: one status
   * write's timeout plus slack. Longer leases delay the count on the RR after a crash; a lease that lapses under a
   * slow write only costs a repeated, idempotent write (absolute values).
   */
  flushLeaseMs: number;
  breaker: CircuitBreakerSettings;
  retryPolicy: RetryPolicy;
  holdTerminal: HoldTerminalOptions;
  auditTemplates: AuditTemplateSettings;
  pipeline: PipelineSettings;
  jobRetry: JobRetrySettings;
  /** `concurrency` and `removeOnFail` are applied to the running BullMQ worker on reload. */
  queueWorker: Pick<WorkerOptions, 'lockDuration' | 'maxStalledCount' | 'stalledInterval' | 'removeOnComplete'> &
    Required<Pick<WorkerOptions, 'concurrency' | 'removeOnFail'>>;
  flusher: StatusFlusherSettings;
  auditSink: AuditSinkSettings;
  auditShipper: {
    batchSize: number;
    flushIntervalMs: number;
    retry: { initialBackoffMs: number; maxBackoffMs: number };
  };
  reconciler: WindowReconcilerSettings;
  shutdownTimeoutMs: number;
}

export function workerSettingsFromConfig(config: GatewayConfig): WorkerSettings {
  const { audit, dedup } = config;
  const namespace = config.kubernetes.remediationNamespace;
  return {
    port: config.worker.port,
    otlpEndpoint: config.telemetry.otlpEndpoint,
    redis: { url: config.redis.url, prefix: config.redis.prefix },
    logging: { level: config.logging.level, format: config.logging.format },
    namespace,
    hubClusterId: config.multiCluster.defaultClusterId,
    flushLeaseMs: config.kubernetes.requestTimeout + 2 * dedup.flushInterval,
    breaker: {
      enabled: config.circuitBreaker.enabled,
      windowMs: config.circuitBreaker.window,
      minRequests: config.circuitBreaker.minRequests,
      failureRatio: config.circuitBreaker.failureRatio,
      openDurationMs: config.circuitBreaker.openDuration,
      halfOpenProbes: config.circuitBreaker.halfOpenProbes,
      probeIntervalMs: config.circuitBreaker.probeInterval,
    },
    retryPolicy: {
      maxAttempts: config.retry.maxAttempts,
      initialBackoffMs: config.retry.initialBackoff,
      maxBackoffMs: config.retry.maxBackoff,
      multiplier: config.retry.multiplier,
      jitter: config.retry.jitter,
      requestTimeoutMs: config.kubernetes.requestTimeout,
    },
    holdTerminal: dedup.holdTerminal,
    auditTemplates: {
      includePayloadInDuplicates: audit.includePayloadInDuplicates,
      maxOriginalPayloadBytes: audit.maxOriginalPayloadBytes,
      sendEventId: audit.sendEventId,
    },
    pipeline: {
      namespace,
      deliveryDedupTtlMs: dedup.deliveryDedupTtl,
      flushIntervalMs: dedup.flushInterval,
      fingerprint: fingerprintSettingsFromConfig(config),
    },
    jobRetry: {
      initialDelayMs: config.queue.jobRetry.initialDelay,
      maxDelayMs: config.queue.jobRetry.maxDelay,
      // A job parked at the open breaker comes back when the next probe may have closed it.
      parkDelayMs: config.circuitBreaker.probeInterval,
    },
    queueWorker: {
      concurrency: config.worker.concurrency,
      lockDuration: config.worker.lockDuration,
      // Crashed workers' jobs must always run again elsewhere, as soon as their lock lapses.
      maxStalledCount: 1000,
      stalledInterval: config.worker.lockDuration,
      removeOnComplete: COMPLETED_RETENTION,
      // Jobs carry no removeOnFail of their own, so this one decides how long failed jobs stay inspectable.
      removeOnFail: { age: Math.round(config.queue.failedRetention / 1000) },
    },
    flusher: {
      flushIntervalMs: dedup.flushInterval,
      flushConcurrency: dedup.flushConcurrency,
      batchLimit: FLUSH_BATCH_LIMIT,
      maxWritesPerSecond: dedup.maxStatusWritesPerSecond,
      retryDelayMs: Math.max(dedup.flushInterval, config.retry.maxBackoff),
    },
    auditSink: {
      dataStorage: { url: audit.dataStorageUrl, requestTimeoutMs: audit.requestTimeout, tokenFile: audit.tokenFile },
      file: { path: audit.file.path, maxBytes: audit.file.maxBytes, maxFiles: audit.file.maxFiles },
    },
    auditShipper: {
      batchSize: audit.batchSize,
      flushIntervalMs: audit.flushInterval,
      retry: { initialBackoffMs: audit.retry.initialBackoff, maxBackoffMs: audit.retry.maxBackoff },
    },
    reconciler: { intervalMs: dedup.reconcileInterval, pendingClaimTimeoutMs: dedup.pendingClaimTimeout },
    shutdownTimeoutMs: config.shutdown.timeout,
  };
}
