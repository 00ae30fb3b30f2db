import {
  ErrorCode,
  GatewayError,
  SIGNAL_BATCH_JOB_VERSION,
  type SignalBatchJob,
  type SignalJob,
  signalBatchJobId,
} from '@gateway/contracts';
import type { Queue } from 'bullmq';

/**
 * Puts every signal of one delivery into Redis; resolves only once Redis has them all. Rejects with a `GatewayError`
 * coded `redisUnavailable` when Redis cannot be reached in time, with the original error otherwise; a rejection
 * does not prove that none of them landed.
 */
export interface SignalQueue {
  enqueue(jobs: SignalJob[]): Promise<void>;
}

export interface BullMqSignalQueueOptions {
  /**
   * Upper bound on writing one job. ioredis' commandTimeout does not cover the wait for a connection that never
   * becomes ready (a Redis that accepts TCP and never answers), so the bound is enforced here too.
   */
  enqueueTimeoutMs: number;
  completedRetention: { ageSeconds: number; count: number };
  /** How long the first delivery of a batch waits for concurrent ones to join its job. */
  coalesceWindowMs: number;
  /** A batch is written as soon as it holds this many signals; a larger delivery is a job of its own. */
  maxSignalsPerJob: number;
}

export const DEFAULT_SIGNAL_QUEUE_OPTIONS: BullMqSignalQueueOptions = {
  enqueueTimeoutMs: 1_500,
  completedRetention: { ageSeconds: 3_600, count: 10_000 },
  coalesceWindowMs: 2,
  maxSignalsPerJob: 500,
};

/**
 * The built-in error types are faults in the data or the code (BullMQ's job serialisation overflowing the stack
 * is a RangeError), which a retry cannot fix; whatever else add rejects with comes from the connection or
 * from Redis itself, and the timeout above is raised as a plain Error too.
 */
function isProgrammingFault(error: unknown): boolean {
  return (
    error instanceof RangeError ||
    error instanceof TypeError ||
    error instanceof SyntaxError ||
    error instanceof ReferenceError
  );
}

function redisUnavailable(cause: unknown): GatewayError {
  return new GatewayError({
    code: ErrorCode.redisUnavailable,
    operation: 'queue.add',
    errorType: 'redis_unavailable',
    retryable: true,
    cause,
  });
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Coalesces the deliveries that arrive within `coalesceWindowMs` (or until `maxSignalsPerJob` signals) into one
 * version 2 job, so BullMQ's per-job cost is paid per batch rather than per signal. One job is one Lua script in
 * Redis, so a batch lands whole or not at all, and every delivery of it is settled by that one outcome: all
 * resolve once Redis holds the job, all reject if the write fails. The job id is derived from the batch
 * (`signalBatchJobId`); the job name lists the batch's sources, for Bull Board.
 */
export function createBullMqSignalQueue(
  queue: Pick<Queue, 'add'>,
  options: BullMqSignalQueueOptions = DEFAULT_SIGNAL_QUEUE_OPTIONS,
): SignalQueue {
  let batch: SignalJob[] = [];
  let waiters: Waiter[] = [];
  let timer: NodeJS.Timeout | undefined;

  async function write(signals: SignalJob[]): Promise<void> {
    const data: SignalBatchJob = { version: SIGNAL_BATCH_JOB_VERSION, signals };
    const name = [...new Set(signals.map((job) => job.signal.source))].join(',');
    let timeoutTimer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timeoutTimer = setTimeout(
        () => reject(new Error(`adding the job did not finish within ${options.enqueueTimeoutMs} ms`)),
        options.enqueueTimeoutMs,
      );
    });
    try {
      const added = queue.add(name, data, {
        jobId: signalBatchJobId(data),
        removeOnComplete: { age: options.completedRetention.ageSeconds, count: options.completedRetention.count },
        // No per-job removeOnFail: it would override the worker's, which applies queue.failedRetention.
      });
      // The loser of the race must not surface later as an unhandled rejection.
      added.catch(() => undefined);
      await Promise.race([added, timeout]);
    } catch (error) {
      throw isProgrammingFault(error) ? error : redisUnavailable(error);
    } finally {
      clearTimeout(timeoutTimer);
    }
  }

  // Group commit: while one batch is being written, the window's flush waits for it, so under load a batch holds
  // what arrived during a whole Redis round trip rather than during 2 ms. At low rates nothing is in flight and a
  // delivery is written after the window as before; a full batch is written at once whatever is in flight.
  let writing = false;
  let flushWhenWritten = false;

  /** `full`: the batch is written now, in flight or not (it is full, or the next delivery would overfill it). */
  function flush(full = false): void {
    clearTimeout(timer);
    timer = undefined;
    if (batch.length === 0) return;
    if (writing && !full) {
      flushWhenWritten = true;
      return;
    }
    const signals = batch;
    const settled = waiters;
    batch = [];
    waiters = [];
    const first = !writing;
    writing = true;
    write(signals)
      .then(
        () => {
          for (const waiter of settled) waiter.resolve();
        },
        (error: unknown) => {
          for (const waiter of settled) waiter.reject(error);
        },
      )
      .finally(() => {
        if (!first) return;
        writing = false;
        if (flushWhenWritten) {
          flushWhenWritten = false;
          flush();
        }
      });
  }

  return {
    enqueue(jobs) {
      if (jobs.length === 0) return Promise.resolve();
      if (batch.length > 0 && batch.length + jobs.length > options.maxSignalsPerJob) flush(true);
      const written = new Promise<void>((resolve, reject) => {
        waiters.push({ resolve, reject });
      });
      for (const job of jobs) batch.push(job);
      if (batch.length >= options.maxSignalsPerJob) flush(true);
      else timer ??= setTimeout(flush, options.coalesceWindowMs);
      return written;
    },
  };
}
