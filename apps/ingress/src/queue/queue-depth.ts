import type { Logger } from 'pino';
import type { IngressMetrics } from '../metrics/ingress-metrics.js';

/** What the request path asks: is the queue above its high-water mark (with hysteresis)? */
export interface QueueDepth {
  backpressureActive(): boolean;
}

export const QUEUE_DEPTH_STATES = ['waiting', 'prioritized', 'delayed', 'active', 'failed'] as const;
export type QueueDepthState = (typeof QUEUE_DEPTH_STATES)[number];
export type QueueCounts = Record<QueueDepthState, number>;

export interface WaterMarks {
  highWaterMark: number;
  lowWaterMark: number;
}

/** Depth that counts for backpressure: jobs not yet taken by a worker (SPEC §10.2). */
export function backlogDepth(counts: QueueCounts): number {
  return counts.waiting + counts.prioritized + counts.delayed;
}

/** Hysteresis: on at ≥ high, off only at ≤ low, so the gate does not flap around one mark. */
export function nextBackpressure(active: boolean, depth: number, marks: WaterMarks): boolean {
  if (depth >= marks.highWaterMark) return true;
  if (depth <= marks.lowWaterMark) return false;
  return active;
}

export interface QueueDepthSamplerDeps {
  counts(): Promise<QueueCounts>;
  /** Read on every sample, so hot-reloaded marks apply at the next tick. */
  waterMarks(): WaterMarks;
  metrics: Pick<IngressMetrics, 'queueDepth' | 'backpressureActive'>;
  logger: Logger;
  intervalMs?: number;
}

export interface QueueDepthSampler extends QueueDepth {
  sampleOnce(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

export const QUEUE_DEPTH_SAMPLE_INTERVAL_MS = 250;

/**
 * Samples the queue in the background so the request path reads a cached boolean and overload costs no Redis
 * round trip. A failed sample keeps the last state: when Redis is down, enqueue fails on its own.
 */
export function createQueueDepthSampler(deps: QueueDepthSamplerDeps): QueueDepthSampler {
  const intervalMs = deps.intervalMs ?? QUEUE_DEPTH_SAMPLE_INTERVAL_MS;
  let active = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let lastFailureLoggedAt = 0;

  async function sampleOnce(): Promise<void> {
    try {
      const counts = await deps.counts();
      for (const state of QUEUE_DEPTH_STATES) deps.metrics.queueDepth.set({ state }, counts[state]);
      const depth = backlogDepth(counts);
      const next = nextBackpressure(active, depth, deps.waterMarks());
      if (next !== active)
        deps.logger.warn({ depth, backpressure: next }, next ? 'backpressure on' : 'backpressure off');
      active = next;
      deps.metrics.backpressureActive.set(active ? 1 : 0);
    } catch (error) {
      // One line per minute is enough to say Redis is unreachable; 4 per second would flood the log.
      const now = Date.now();
      if (now - lastFailureLoggedAt > 60_000) {
        lastFailureLoggedAt = now;
        deps.logger.warn({ err: error }, 'queue depth sample failed');
      }
    }
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
    backpressureActive: () => active,
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
