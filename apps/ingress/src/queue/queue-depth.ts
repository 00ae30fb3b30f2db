import { QUEUE_DEPTH_STATES, type QueueCounts, type QueueDepthSample } from '@gateway/contracts';
import type { Logger } from 'pino';
import type { IngressMetrics } from '../metrics/ingress-metrics.js';

/** Why signal requests are being refused with `503 queue-full` (docs/queue-and-backpressure.md#backpressure). */
export type Backpressure = 'queue' | 'audit';

/** What the request path asks: is the queue or the audit backlog over its limit (with hysteresis)? */
export interface QueueDepth {
  backpressure(): Backpressure | undefined;
}

export interface WaterMarks {
  highWaterMark: number;
  lowWaterMark: number;
}

/** The audit stream as Redis holds it: entries not yet delivered and their sampled memory. */
export interface AuditBacklogSize {
  entries: number;
  bytes: number;
}

export interface AuditLimits {
  maxBacklog: number;
  maxBacklogBytes: number;
}

/** The audit gate opens again at 80 % of its limits, the same gap the default queue marks leave. */
export const AUDIT_RELEASE_RATIO = 0.8;

/** Depth that counts for backpressure: signals not yet taken by a worker (docs/queue-and-backpressure.md#backpressure). */
export function backlogDepth(counts: QueueCounts): number {
  return counts.waiting + counts.prioritized + counts.delayed;
}

/**
 * Age of the oldest waiting job. Its timestamp comes from the clock of the ingress replica that added it, so a
 * replica whose clock runs behind could see a negative age: that reads as 0, nothing has waited yet.
 */
export function oldestWaitingAgeSeconds(addedAt: number | undefined, now: number): number {
  return addedAt === undefined ? 0 : Math.max(0, now - addedAt) / 1000;
}

/** Hysteresis: on at ≥ high, off only at ≤ low, so the gate does not flap around one mark. */
export function nextBackpressure(active: boolean, depth: number, marks: WaterMarks): boolean {
  if (depth >= marks.highWaterMark) return true;
  if (depth <= marks.lowWaterMark) return false;
  return active;
}

/**
 * Audit backlog backpressure (docs/audit.md#backlog): on when either limit is reached, off only once both are back
 * under 80 %.
 */
export function nextAuditBackpressure(active: boolean, backlog: AuditBacklogSize, limits: AuditLimits): boolean {
  if (backlog.entries >= limits.maxBacklog || backlog.bytes >= limits.maxBacklogBytes) return true;
  if (
    backlog.entries <= limits.maxBacklog * AUDIT_RELEASE_RATIO &&
    backlog.bytes <= limits.maxBacklogBytes * AUDIT_RELEASE_RATIO
  ) {
    return false;
  }
  return active;
}

export interface QueueDepthSamplerDeps {
  counts(): Promise<QueueDepthSample>;
  auditBacklog(): Promise<AuditBacklogSize>;
  /** Read on every sample, so hot-reloaded limits apply at the next tick. */
  limits(): { queue: WaterMarks; audit: AuditLimits };
  metrics: Pick<IngressMetrics, 'queueDepth' | 'queueJobs' | 'queueOldestWaitingAge' | 'backpressureActive'>;
  logger: Logger;
  intervalMs?: number;
}

export interface QueueDepthSampler extends QueueDepth {
  sampleOnce(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

export const QUEUE_DEPTH_SAMPLE_INTERVAL_MS = 250;
const SAMPLE_FAILURE_LOG_INTERVAL_MS = 60_000;

/**
 * Samples the queue and the audit stream in the background so the request path reads a cached answer and
 * overload costs no Redis round trip. A failed sample keeps the last state: when Redis is down, enqueue fails
 * on its own.
 */
export function createQueueDepthSampler(deps: QueueDepthSamplerDeps): QueueDepthSampler {
  const intervalMs = deps.intervalMs ?? QUEUE_DEPTH_SAMPLE_INTERVAL_MS;
  let queueActive = false;
  let auditActive = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let lastFailureLoggedAt = 0;
  let lastFailureMessage = '';

  function logFailure(error: unknown, what: string): void {
    // One line per minute is enough to say Redis is unreachable; 4 per second would flood the log. A different
    // failure is news, though (a refused command after a start-up connection error), so it is written at once.
    const now = Date.now();
    const message = error instanceof Error ? error.message : String(error);
    if (message !== lastFailureMessage || now - lastFailureLoggedAt > SAMPLE_FAILURE_LOG_INTERVAL_MS) {
      lastFailureLoggedAt = now;
      lastFailureMessage = message;
      deps.logger.warn({ err: error }, `${what} sample failed`);
    }
  }

  async function sampleQueue(): Promise<void> {
    try {
      const sample = await deps.counts();
      for (const state of QUEUE_DEPTH_STATES) {
        deps.metrics.queueDepth.set({ state }, sample.signals[state]);
        deps.metrics.queueJobs.set({ state }, sample.jobs[state]);
      }
      deps.metrics.queueOldestWaitingAge.set(oldestWaitingAgeSeconds(sample.oldestWaitingAddedAt, Date.now()));
      const depth = backlogDepth(sample.signals);
      const next = nextBackpressure(queueActive, depth, deps.limits().queue);
      if (next !== queueActive) {
        deps.logger.warn({ depth, backpressure: next }, next ? 'queue backpressure on' : 'queue backpressure off');
      }
      queueActive = next;
    } catch (error) {
      logFailure(error, 'queue depth');
    }
  }

  async function sampleAudit(): Promise<void> {
    try {
      const backlog = await deps.auditBacklog();
      const next = nextAuditBackpressure(auditActive, backlog, deps.limits().audit);
      if (next !== auditActive) {
        deps.logger.warn({ ...backlog, backpressure: next }, next ? 'audit backpressure on' : 'audit backpressure off');
      }
      auditActive = next;
    } catch (error) {
      logFailure(error, 'audit backlog');
    }
  }

  async function sampleOnce(): Promise<void> {
    await Promise.all([sampleQueue(), sampleAudit()]);
    deps.metrics.backpressureActive.set(queueActive || auditActive ? 1 : 0);
  }

  function schedule(): void {
    timer = setTimeout(() => {
      running = sampleOnce().finally(() => {
        running = undefined;
        if (timer !== undefined) schedule();
      });
    }, intervalMs);
    timer.unref();
  }

  return {
    backpressure: () => (queueActive ? 'queue' : auditActive ? 'audit' : undefined),
    sampleOnce,
    start() {
      if (timer !== undefined) return;
      schedule();
    },
    async stop() {
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
