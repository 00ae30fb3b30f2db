import { formatTimestamp, GatewayError } from '@gateway/contracts';
import type { RemediationClient } from '../pipeline/ports.js';
import type { FlushOutcome, FlushTask, WindowStore } from '../pipeline/window-store.js';

export interface StatusFlusherSettings {
  flushIntervalMs: number;
  flushConcurrency: number;
  /** Entries popped per round (up to 500). */
  batchLimit: number;
  /** dedup.maxStatusWritesPerSecond: the Kubernetes API's share of a storm, per worker. */
  maxWritesPerSecond: number;
  retryDelayMs: number;
}

export interface StatusFlusherMetrics {
  statusWrite(result: 'success' | 'retry' | 'gone'): void;
  flushLag(seconds: number): void;
}

export interface StatusFlusherDeps {
  store: WindowStore;
  client: RemediationClient;
  settings(): StatusFlusherSettings;
  now(): number;
  metrics?: StatusFlusherMetrics;
  onError?(err: unknown): void;
  /** True while the API is known to be unreachable (breaker open): rounds are skipped, entries stay due. */
  suspended?(): boolean;
}

/**
 * Write-behind of occurrence counts. Absolute values make every write idempotent, so a task
 * popped by a worker that dies is simply written again by whoever pops it next.
 */
export function createStatusFlusher(deps: StatusFlusherDeps) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = true;

  async function writeOne(task: FlushTask, settings: StatusFlusherSettings): Promise<void> {
    let outcome: FlushOutcome;
    try {
      const result = await deps.client.patchDeduplication(task.namespace, task.rr, {
        firstSeenAt: formatTimestamp(task.firstMs),
        lastSeenAt: formatTimestamp(task.lastMs),
        occurrenceCount: task.count,
      });
      outcome = result === 'gone' ? { result: 'gone' } : { result: 'ok' };
    } catch (err) {
      if (err instanceof GatewayError && !err.retryable) deps.onError?.(err);
      outcome = { result: 'retry', delayMs: settings.retryDelayMs };
    }
    deps.metrics?.statusWrite(outcome.result === 'ok' ? 'success' : outcome.result);
    if (outcome.result === 'ok') deps.metrics?.flushLag(Math.max(0, deps.now() - task.lastMs) / 1000);
    await deps.store.completeFlush(task, outcome, deps.now(), settings.flushIntervalMs);
  }

  /** A round every quarter interval, so a window is written within about one interval of its due time. */
  const roundMs = (settings: StatusFlusherSettings): number => settings.flushIntervalMs / 4;

  /**
   * One round: pop due windows and write them with bounded parallelism. A round takes no more than the write budget
   * allows for its share of a second: in a storm that touches thousands of RRs, one status write per RR per interval
   * would be thousands of writes per second to the API server. What is left stays due, oldest first, and is taken by
   * the next rounds; counts in Redis stay exact meanwhile. The round keeps the settings it started with.
   */
  async function flushOnce(): Promise<number> {
    const settings = deps.settings();
    const budget = Math.max(1, Math.floor((settings.maxWritesPerSecond * roundMs(settings)) / 1000));
    const tasks = await deps.store.takeDueFlushes(deps.now(), Math.min(settings.batchLimit, budget));
    let next = 0;
    const lanes = Array.from({ length: Math.min(settings.flushConcurrency, tasks.length) }, async () => {
      while (next < tasks.length) {
        const task = tasks[next++]!;
        await writeOne(task, settings);
      }
    });
    await Promise.all(lanes);
    return tasks.length;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = (deps.suspended?.() ? Promise.resolve(0) : flushOnce())
        .then(() => undefined)
        .catch((err: unknown) => deps.onError?.(err))
        .finally(() => {
          running = undefined;
          schedule();
        });
    }, roundMs(deps.settings()));
  }

  return {
    flushOnce,
    start(): void {
      if (!stopped) return;
      stopped = false;
      schedule();
    },
    /** Stops the loop and runs a final round so counts reach the RRs before exit (docs/operations.md). */
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      await flushOnce().catch((err: unknown) => deps.onError?.(err));
    },
  };
}
export type StatusFlusher = ReturnType<typeof createStatusFlusher>;
