import { ErrorCode, GatewayError, type SignalJob, SignalJobSchema } from '@gateway/contracts';
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import { type PipelineDeps, type ProcessResult, processSignal } from '../pipeline/process-signal.js';

export interface JobRetrySettings {
  initialDelayMs: number;
  maxDelayMs: number;
  /** How long a job that met the open breaker is parked: the breaker's probe interval. */
  parkDelayMs: number;
}

export interface SignalProcessorMetrics {
  decided(result: ProcessResult, job: SignalJob, durationMs: number): void;
  failed(reason: string): void;
  parked(): void;
}

export interface SignalProcessorDeps {
  pipeline: PipelineDeps;
  retry(): JobRetrySettings;
  logger: Logger;
  metrics?: SignalProcessorMetrics;
  random?(): number;
}

/** Retryable failures re-run with capped exponential delay ±10 %, without an attempt limit. */
export function jobRetryDelayMs(
  attempt: number,
  settings: JobRetrySettings,
  random: () => number = Math.random,
): number {
  const base = Math.min(settings.maxDelayMs, settings.initialDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (1 + (random() * 2 - 1) * 0.1));
}

/** Job data field counting the runs parked at the open breaker; they are not attempts. */
const PARKED_RUNS = 'parkedRuns';

const parkedRunsOf = (job: Job): number => {
  const value: unknown = (job.data as Record<string, unknown>)[PARKED_RUNS];
  return typeof value === 'number' ? value : 0;
};

/**
 * The BullMQ processor. A retryable failure moves the job back to delayed itself rather than spending
 * BullMQ attempts, so a long Kubernetes outage never exhausts a job and drops a signal. A job that met the
 * open breaker is parked instead: its run is recorded as parked so the attempt number (and with it the
 * backoff) stays where it was, and it comes back after one probe interval or as soon as the breaker closes.
 */
export function createSignalProcessor(deps: SignalProcessorDeps) {
  return async (job: Job, token?: string): Promise<ProcessResult> => {
    const parsed = SignalJobSchema.safeParse(job.data);
    if (!parsed.success) {
      deps.metrics?.failed('invalid_job');
      throw new UnrecoverableError(
        `job ${job.id} does not hold a valid signal: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      );
    }
    const data = parsed.data;
    const attempt = Math.max(1, job.attemptsStarted - parkedRunsOf(job));
    const started = performance.now();
    const log = deps.logger.child({ signalId: data.signal.signalId, jobId: job.id, requestId: data.signal.requestId });
    try {
      const result = await processSignal(data.signal, attempt, deps.pipeline);
      deps.metrics?.decided(result, data, performance.now() - started);
      log.info({ fingerprint: result.fingerprint, rr: result.rr, decision: result.outcome }, 'signal decided');
      return result;
    } catch (err) {
      const error =
        err instanceof GatewayError
          ? err
          : new GatewayError({
              code: ErrorCode.unknown,
              operation: 'job.process',
              errorType: 'unknown',
              retryable: true,
              cause: err,
            });
      if (!error.retryable) {
        deps.metrics?.failed(error.errorType);
        log.error({ err: error, fingerprint: error.fingerprint }, 'signal failed permanently');
        throw new UnrecoverableError(error.message);
      }
      if (error.code === ErrorCode.circuitOpen) {
        await job.updateData({ ...(job.data as Record<string, unknown>), [PARKED_RUNS]: parkedRunsOf(job) + 1 });
        await job.moveToDelayed(Date.now() + deps.retry().parkDelayMs, token);
        deps.metrics?.parked();
        log.info({ fingerprint: error.fingerprint, attempt }, 'signal parked while the Kubernetes API is unreachable');
        throw new DelayedError();
      }
      const delayMs = jobRetryDelayMs(attempt, deps.retry(), deps.random);
      log.warn({ err: error, fingerprint: error.fingerprint, attempt, delayMs }, 'signal will be retried');
      await job.moveToDelayed(Date.now() + delayMs, token);
      throw new DelayedError();
    }
  };
}
