import { ErrorCode, GatewayError, type SignalJob, SignalQueueJobSchema, signalsOfJob } from '@gateway/contracts';
import type { FingerprintDecision } from '@gateway/fingerprint';
import { NO_TRACING } from '@gateway/tracing';
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import {
  admitFiringSignals,
  type FiringSignal,
  type PipelineDeps,
  type PipelineSettings,
  type ProcessResult,
  processSignal,
  type SignalRun,
} from '../pipeline/process-signal.js';

export interface JobRetrySettings {
  initialDelayMs: number;
  maxDelayMs: number;
  /** How long a job that met the open breaker is parked: the breaker's probe interval. */
  parkDelayMs: number;
}

export interface SignalProcessorMetrics {
  /** `settings` are the ones the job ran on. */
  decided(result: ProcessResult, job: SignalJob, durationMs: number, settings: PipelineSettings): void;
  /** A signal (or a job that holds none) failed for good. */
  failed(reason: string): void;
  parked(): void;
}

/** Everything a job runs on, from one configuration snapshot. */
export interface JobDeps {
  pipeline: PipelineDeps;
  retry: JobRetrySettings;
}

export interface SignalProcessorDeps {
  /**
   * Called once as each job starts: the job uses what it returns to its end, so a reload applies to the jobs that
   * start after it while jobs in flight finish on the snapshot they started with.
   */
  jobDeps(): JobDeps;
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
/** Job data field listing the signals already decided, so a retried job runs only the rest. */
const DONE = 'done';
/** Job data field listing the signals that failed for good while others of the job still wait for a retry. */
const HELD_BACK = 'heldBack';

/**
 * Signals of one job processed at once. worker.concurrency bounds the jobs; this bounds what one large batch
 * adds on top (Kubernetes calls and Redis scripts in flight), while small jobs are not held up by it.
 */
export const SIGNALS_IN_FLIGHT_PER_JOB = 16;

/**
 * Signals admitted by one batched admission call at most: one call holds Redis for all of them (tens of microseconds
 * each), so this bounds how long other clients wait behind it.
 */
export const SIGNALS_PER_ADMISSION_CALL = 50;

const bookkeeping = (job: Job): Record<string, unknown> => job.data as Record<string, unknown>;

const parkedRunsOf = (job: Job): number => {
  const value = bookkeeping(job)[PARKED_RUNS];
  return typeof value === 'number' ? value : 0;
};

const idsOf = (job: Job, field: string): Set<string> => {
  const value = bookkeeping(job)[field];
  return new Set(Array.isArray(value) ? value.filter((id): id is string => typeof id === 'string') : []);
};

type Settled = { entry: SignalJob; result: ProcessResult } | { entry: SignalJob; error: GatewayError };

/** A signal with its fingerprint, computed once for grouping and processing; absent when computing it threw. */
interface Fingerprinted {
  entry: SignalJob;
  fingerprint?: FingerprintDecision;
}

async function fingerprinted(entry: SignalJob, pipeline: PipelineDeps, traced: boolean): Promise<Fingerprinted> {
  const compute = () => pipeline.fingerprinter.fingerprint(entry.signal, pipeline.settings.fingerprint);
  try {
    return {
      entry,
      // A sampled signal's fingerprint step joins its trace here, where it runs once for grouping and deciding.
      fingerprint:
        traced && pipeline.tracing
          ? await pipeline.tracing.span('fingerprint', compute, { parent: entry.trace })
          : await compute(),
    };
  } catch {
    // processSignal, given no fingerprint, meets the same fault and settles this signal alone.
    return { entry };
  }
}

/**
 * Fingerprints a job's signals, SIGNALS_IN_FLIGHT_PER_JOB at a time: with a cold owner cache each may wait on an API
 * lookup, and a batch of 500 must not send 500 at once.
 */
async function fingerprintAll(
  entries: readonly SignalJob[],
  pipeline: PipelineDeps,
  traced: (entry: SignalJob) => boolean,
): Promise<Fingerprinted[]> {
  const results: Fingerprinted[] = new Array(entries.length);
  let next = 0;
  const runner = async (): Promise<void> => {
    for (let i = next++; i < entries.length; i = next++) {
      const entry = entries[i];
      if (entry) results[i] = await fingerprinted(entry, pipeline, traced(entry));
    }
  };
  await Promise.all(Array.from({ length: Math.min(SIGNALS_IN_FLIGHT_PER_JOB, entries.length) }, runner));
  return results;
}

/**
 * Decides the job's redeliveries and duplicates with one admission call per slice instead of one per signal. Only
 * firing signals of fingerprints that nothing earlier in the job holds back take part: once a fingerprint has a
 * claim, a resolved or traced signal, a signal without fingerprint or a signal left undecided, its later signals are left to
 * `runGrouped` too, so each fingerprint's signals are still decided in the job's order. A failed call decides
 * nothing; its signals are then processed one by one, which reports the fault per signal (every admission is
 * idempotent per signalId, so one that Redis did apply is replayed, not counted twice).
 */
async function admitInSlices(
  entries: Fingerprinted[],
  run: SignalRun,
  pipeline: PipelineDeps,
  traced: (entry: SignalJob) => boolean,
  decided: (entry: Fingerprinted, result: ProcessResult, durationMs: number) => void,
): Promise<Fingerprinted[]> {
  const singly = new Set<string>();
  const rest: Fingerprinted[] = [];
  let slice: { entry: Fingerprinted; firing: FiringSignal }[] = [];
  const admitSlice = async (): Promise<void> => {
    const current = slice;
    slice = [];
    if (current.length === 0) return;
    const started = performance.now();
    let results: (ProcessResult | null)[];
    try {
      results = await admitFiringSignals(
        current.map(({ firing }) => firing),
        run,
        pipeline,
      );
    } catch {
      results = current.map(() => null);
    }
    const durationMs = performance.now() - started;
    current.forEach(({ entry, firing }, i) => {
      const result = results[i];
      if (result) decided(entry, result, durationMs);
      else {
        singly.add(firing.decision.fingerprint);
        rest.push(entry);
      }
    });
  };
  for (const entry of entries) {
    const decision = entry.fingerprint;
    const fingerprint = decision?.fingerprint;
    if (
      decision === undefined ||
      entry.entry.signal.status === 'resolved' ||
      singly.has(decision.fingerprint) ||
      traced(entry.entry)
    ) {
      // An earlier signal of this fingerprint still in the slice may be left undecided (a claim): it must reach
      // `rest` before this one does.
      if (slice.some((pending) => pending.firing.decision.fingerprint === fingerprint)) await admitSlice();
      if (fingerprint !== undefined) singly.add(fingerprint);
      rest.push(entry);
      continue;
    }
    slice.push({ entry, firing: { signal: entry.entry.signal, decision } });
    if (slice.length === SIGNALS_PER_ADMISSION_CALL) await admitSlice();
  }
  await admitSlice();
  return rest;
}

function signalAttributes(entry: SignalJob, jobId: string): Record<string, string> {
  return {
    'gateway.signal.id': entry.signal.signalId,
    'gateway.request.id': entry.signal.requestId,
    'gateway.signal.name': entry.signal.signalName,
    'gateway.signal.status': entry.signal.status,
    'messaging.message.id': jobId,
  };
}

/** What a job returns: how many of its signals were decided in this run, by outcome. */
export type JobSummary = Partial<Record<ProcessResult['outcome'], number>>;

function asJobError(err: unknown): GatewayError {
  return err instanceof GatewayError
    ? err
    : new GatewayError({
        code: ErrorCode.unknown,
        operation: 'job.process',
        errorType: 'unknown',
        retryable: true,
        cause: err,
      });
}

/**
 * Runs the signals of a job, grouped by fingerprint: the signals of one fingerprint in their order in the job, one
 * after the other (as they were admitted when each had its own job), up to SIGNALS_IN_FLIGHT_PER_JOB groups at once.
 * A signal that throws settles as an error and its neighbours go on.
 */
async function runGrouped(
  entries: Fingerprinted[],
  run: (entry: Fingerprinted) => Promise<Settled>,
): Promise<Settled[]> {
  const groups = new Map<string, Fingerprinted[]>();
  for (const entry of entries) {
    const key = entry.fingerprint?.fingerprint ?? `signal:${entry.entry.signal.signalId}`;
    const group = groups.get(key);
    if (group) group.push(entry);
    else groups.set(key, [entry]);
  }
  const pending = [...groups.values()];
  const settled: Settled[] = [];
  let next = 0;
  const runner = async (): Promise<void> => {
    for (let group = pending[next++]; group; group = pending[next++]) {
      for (const entry of group) settled.push(await run(entry));
    }
  };
  await Promise.all(Array.from({ length: Math.min(SIGNALS_IN_FLIGHT_PER_JOB, pending.length) }, runner));
  return settled;
}

/**
 * The BullMQ processor. A job holds one signal (version 1) or a batch (version 2); each signal is decided on its
 * own, and every pipeline step is idempotent per signalId, so a job re-run after a stall counts nothing twice.
 * When some signals fail, the ones decided are recorded in the job (`done`) so its next run skips them:
 * - a retryable failure moves the job back to delayed itself rather than spending BullMQ attempts, so a long
 *   Kubernetes outage never exhausts a job and drops a signal; if one of them met the open breaker the job is
 *   parked instead: the run is recorded as parked so the attempt number (and with it the backoff) stays where it
 *   was, and it comes back after one probe interval or as soon as the breaker closes;
 * - a permanent failure is held back (`heldBack`) while others still retry, then fails the job, which then holds
 *   only those signals as pending: a retry from Bull Board runs exactly them again.
 */
export function createSignalProcessor(deps: SignalProcessorDeps) {
  return async (job: Job, token?: string): Promise<JobSummary> => {
    const parsed = SignalQueueJobSchema.safeParse(job.data);
    if (!parsed.success) {
      deps.metrics?.failed('invalid_job');
      throw new UnrecoverableError(
        `job ${job.id} does not hold a valid signal: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      );
    }
    const { pipeline, retry } = deps.jobDeps();
    const entries = signalsOfJob(parsed.data);
    const done = idsOf(job, DONE);
    const heldBack = idsOf(job, HELD_BACK);
    const jobId = job.id ?? '';
    const tracing = pipeline.tracing ?? NO_TRACING;
    /** A sampled signal is processed on its own, inside its own span, with a span per step. */
    const traced = (entry: SignalJob): boolean => tracing.enabled && tracing.sampled(entry.trace);
    const run = { attempt: Math.max(1, job.attemptsStarted - parkedRunsOf(job)), jobId };

    const decided = (entry: SignalJob, result: ProcessResult, durationMs: number): void => {
      deps.metrics?.decided(result, entry, durationMs, pipeline.settings);
      // One line per signal: its object is built only when info lines are written.
      if (deps.logger.isLevelEnabled('info')) {
        deps.logger.info(
          {
            signalId: entry.signal.signalId,
            jobId,
            requestId: entry.signal.requestId,
            fingerprint: result.fingerprint,
            rr: result.rr,
            decision: result.outcome,
          },
          'signal decided',
        );
      }
    };

    const processOne = async ({ entry, fingerprint }: Fingerprinted): Promise<Settled> => {
      const started = performance.now();
      try {
        if (!traced(entry)) {
          const result = await processSignal(entry.signal, run, pipeline, fingerprint);
          decided(entry, result, performance.now() - started);
          return { entry, result };
        }
        return await tracing.span(
          'signal.process',
          // The job's decision is used, not a second fingerprint: strategies have effects (similarity counts label
          // values, owner lookups count resolutions), and the signal is grouped under this one. Decided inside the
          // span, so the signal's log line carries its trace.
          async (span) => {
            if (fingerprint) span.setAttribute('gateway.fingerprint.strategy', fingerprint.strategy);
            const result = await processSignal(entry.signal, run, pipeline, fingerprint);
            span.setAttribute('gateway.decision', result.outcome);
            span.setAttribute('gateway.fingerprint', result.fingerprint);
            if (result.rr) span.setAttribute('gateway.rr.name', result.rr);
            decided(entry, result, performance.now() - started);
            return { entry, result };
          },
          { parent: entry.trace, linkToActive: true, attributes: signalAttributes(entry, jobId) },
        );
      } catch (err) {
        return { entry, error: asJobError(err) };
      }
    };

    const pending = await fingerprintAll(
      entries.filter(({ signal }) => !done.has(signal.signalId) && !heldBack.has(signal.signalId)),
      pipeline,
      traced,
    );
    const settled: Settled[] = [];
    const rest = await admitInSlices(pending, run, pipeline, traced, ({ entry }, result, durationMs) => {
      decided(entry, result, durationMs);
      settled.push({ entry, result });
    });
    settled.push(...(await runGrouped(rest, processOne)));

    const summary: JobSummary = {};
    const retryable: GatewayError[] = [];
    const permanent: GatewayError[] = [];
    for (const outcome of settled) {
      const { signalId, requestId } = outcome.entry.signal;
      if ('result' in outcome) {
        done.add(signalId);
        summary[outcome.result.outcome] = (summary[outcome.result.outcome] ?? 0) + 1;
        continue;
      }
      const { error } = outcome;
      const context = { err: error, signalId, jobId, requestId, fingerprint: error.fingerprint, attempt: run.attempt };
      if (error.retryable) {
        retryable.push(error);
        deps.logger.warn(context, 'signal will be retried');
        continue;
      }
      heldBack.add(signalId);
      permanent.push(error);
      deps.metrics?.failed(error.errorType);
      deps.logger.error(context, 'signal failed permanently');
    }
    if (retryable.length === 0 && heldBack.size === 0) return summary;

    if (retryable.length === 0) {
      if (entries.length > 1) await job.updateData({ ...bookkeeping(job), [DONE]: [...done], [HELD_BACK]: [] });
      const [first] = permanent;
      const reason = first?.message ?? 'an earlier run held it back';
      throw new UnrecoverableError(
        entries.length === 1 ? reason : `${heldBack.size} of ${entries.length} signals failed permanently: ${reason}`,
      );
    }

    const parked = retryable.some((error) => error.code === ErrorCode.circuitOpen);
    await job.updateData({
      ...bookkeeping(job),
      [DONE]: [...done],
      [HELD_BACK]: [...heldBack],
      ...(parked ? { [PARKED_RUNS]: parkedRunsOf(job) + 1 } : {}),
    });
    if (parked) {
      await job.moveToDelayed(Date.now() + retry.parkDelayMs, token);
      deps.metrics?.parked();
      deps.logger.info({ jobId, attempt: run.attempt }, 'signals parked while the Kubernetes API is unreachable');
      throw new DelayedError();
    }
    const delayMs = jobRetryDelayMs(run.attempt, retry, deps.random);
    deps.logger.warn({ jobId, attempt: run.attempt, delayMs, signals: retryable.length }, 'job will be retried');
    await job.moveToDelayed(Date.now() + delayMs, token);
    throw new DelayedError();
  };
}
