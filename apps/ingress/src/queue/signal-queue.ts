import type { SignalJob } from '@gateway/contracts';
import { ErrorCode, GatewayError } from '@gateway/contracts';
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
   * Upper bound on one `addBulk`. ioredis' commandTimeout does not cover the wait for a connection that never
   * becomes ready (a Redis that accepts TCP and never answers), so the bound is enforced here too.
   */
  enqueueTimeoutMs: number;
  completedRetention: { ageSeconds: number; count: number };
}

export const DEFAULT_SIGNAL_QUEUE_OPTIONS: BullMqSignalQueueOptions = {
  enqueueTimeoutMs: 1_500,
  completedRetention: { ageSeconds: 3_600, count: 10_000 },
};

/**
 * The built-in error types are faults in the data or the code (BullMQ's job serialisation overflowing the stack
 * is a RangeError), which a retry cannot fix; whatever else addBulk rejects with comes from the connection or
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
    operation: 'queue.addBulk',
    errorType: 'redis_unavailable',
    retryable: true,
    cause,
  });
}

/**
 * Job id = signalId, so enqueueing the same job twice adds it once; job name = source name. BullMQ's addBulk is
 * one pipeline, not a MULTI transaction: a connection lost mid-pipeline can leave the first jobs of a delivery in
 * Redis while the request is answered 503, and the sender's retry enqueues them again under new signal ids. What
 * holds is the other direction: a 202 only ever follows Redis taking every job of the delivery.
 */
export function createBullMqSignalQueue(
  queue: Pick<Queue, 'addBulk'>,
  options: BullMqSignalQueueOptions = DEFAULT_SIGNAL_QUEUE_OPTIONS,
): SignalQueue {
  return {
    async enqueue(jobs) {
      if (jobs.length === 0) return;
      const bulk = jobs.map((job) => ({
        name: job.signal.source,
        data: job,
        opts: {
          jobId: job.signal.signalId,
          removeOnComplete: { age: options.completedRetention.ageSeconds, count: options.completedRetention.count },
          // No per-job removeOnFail: it would override the worker's, which applies queue.failedRetention.
        },
      }));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`addBulk did not finish within ${options.enqueueTimeoutMs} ms`)),
          options.enqueueTimeoutMs,
        );
      });
      const added = queue.addBulk(bulk);
      // The loser of the race must not surface later as an unhandled rejection.
      added.catch(() => undefined);
      try {
        await Promise.race([added, timeout]);
      } catch (error) {
        throw isProgrammingFault(error) ? error : redisUnavailable(error);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
