import {
  ErrorCode,
  formatTimestamp,
  GatewayError,
  isTerminalPhase,
  type NormalizedSignal,
  type RemediationRequestObject,
  sha256Hex,
} from '@gateway/contracts';
import type { FingerprintDecision, Fingerprinter, FingerprintSettings } from '@gateway/fingerprint';
import { NO_TRACING, type SignalTracing } from '@gateway/tracing';
import type { BuildRemediationRequestInput } from '../remediation/index.js';
import type { AuditTemplates } from './audit-templates.js';
import type { KnownRemediation, RemediationClient, RemediationIndex } from './ports.js';
import type { AdmitRequest, CountedAdmission, WindowSnapshot, WindowStore } from './window-store.js';

export interface PipelineSettings {
  namespace: string;
  deliveryDedupTtlMs: number;
  flushIntervalMs: number;
  fingerprint: FingerprintSettings;
}

export interface PipelineDeps {
  /** One per process: its owner cache outlives configuration snapshots. */
  fingerprinter: Fingerprinter;
  store: WindowStore;
  client: RemediationClient;
  index: RemediationIndex;
  /** Built from the same snapshot as `settings`. */
  audit: AuditTemplates;
  buildRemediationRequest(input: BuildRemediationRequestInput): RemediationRequestObject;
  /** The settings of the snapshot the job started on; a reload swaps them between jobs, never inside one. */
  settings: PipelineSettings;
  now(): Date;
  /** `gateway_dedup_decision_duration_seconds`: the atomic admission step alone (docs/fingerprints-and-windows.md). */
  observeAdmission?(seconds: number): void;
  /** Spans of each step (docs/observability.md#tracing); none without it. */
  tracing?: SignalTracing;
}

export const Outcome = {
  created: 'created',
  adopted: 'adopted',
  deduplicated: 'deduplicated',
  redelivered: 'redelivered',
  resolved: 'resolved',
  /** A re-run of a job whose decision was already carried out. */
  alreadyDone: 'already-done',
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

export interface ProcessResult {
  outcome: Outcome;
  fingerprint: string;
  /** The strategy that decided the fingerprint (`gateway_fingerprint_computed_total{strategy}`). */
  strategy?: FingerprintDecision['strategy'];
  rr?: string;
  count?: number;
}

/** Which run of which job the signal is processed in. */
export interface SignalRun {
  /** The job's attempt, not counting runs parked at the open breaker. */
  attempt: number;
  jobId: string;
}

const tracingOf = (deps: PipelineDeps): SignalTracing => deps.tracing ?? NO_TRACING;

/** How often a window may move past names held by terminal RRs before the job is retried later. */
const MAX_NAME_ADVANCES = 5;

function deliveryKeyHash(signal: NormalizedSignal): string | null {
  return signal.deliveryKey === null ? null : sha256Hex(`${signal.source}\u0000${signal.deliveryKey}`);
}

function epochMs(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Redis and unclassified faults are retryable (docs/kubernetes-access.md#error-classification); GatewayErrors keep theirs. */
function asGatewayError(err: unknown, operation: string): GatewayError {
  if (err instanceof GatewayError) return err;
  const redis =
    err instanceof Error && /redis|connection|ECONN|ETIMEDOUT|Command timed out/i.test(`${err.name} ${err.message}`);
  return new GatewayError({
    code: redis ? ErrorCode.redisUnavailable : ErrorCode.unknown,
    operation,
    errorType: redis ? 'network_error' : 'unknown',
    retryable: true,
    cause: err,
  });
}

/**
 * One signal through admission, RR creation and resolved-signal auditing (docs/fingerprints-and-windows.md). Every step
 * is idempotent for the signal's id, so a job re-run after a crash at any point neither creates a second RR nor counts
 * or audits twice. `precomputed` is the signal's fingerprint decision when the caller already needed it (the job groups
 * its signals by it), so owners are not looked up twice; without it, it is computed from `deps.settings`.
 */
export async function processSignal(
  signal: NormalizedSignal,
  run: SignalRun,
  deps: PipelineDeps,
  precomputed?: FingerprintDecision,
): Promise<ProcessResult> {
  const { settings } = deps;
  const decision =
    precomputed ??
    (await tracingOf(deps).span('fingerprint', () => deps.fingerprinter.fingerprint(signal, settings.fingerprint)));
  const { fingerprint, strategy } = decision;
  try {
    const result =
      signal.status === 'resolved'
        ? await processResolved(signal, decision, deps, settings)
        : await processFiring(signal, decision, run, deps, settings);
    return { ...result, strategy };
  } catch (err) {
    throw asGatewayError(err, 'redis.admit').withContext({
      requestId: signal.requestId,
      correlationId: signal.signalId,
      fingerprint,
    });
  }
}

async function processResolved(
  signal: NormalizedSignal,
  decision: FingerprintDecision,
  deps: PipelineDeps,
  settings: PipelineSettings,
): Promise<ProcessResult> {
  const { fingerprint } = decision;
  const admission = await tracingOf(deps).span('dedup.admit', () =>
    deps.store.admitResolved({
      fingerprint,
      signalId: signal.signalId,
      deliveryKeyHash: deliveryKeyHash(signal),
      deliveryDedupTtlMs: settings.deliveryDedupTtlMs,
      auditWithOpenRr: deps.audit.resolved(signal, decision, true),
      auditWithoutRr: deps.audit.resolved(signal, decision, false),
    }),
  );
  if (admission.decision === 'redelivery') return { outcome: Outcome.redelivered, fingerprint };
  return { outcome: Outcome.resolved, fingerprint, ...(admission.rr ? { rr: admission.rr } : {}) };
}

function admitRequestOf(
  signal: NormalizedSignal,
  decision: FingerprintDecision,
  known: readonly KnownRemediation[],
  run: SignalRun,
  deps: PipelineDeps,
  settings: PipelineSettings,
): AdmitRequest {
  const nowMs = deps.now().getTime();
  return {
    fingerprint: decision.fingerprint,
    signalId: signal.signalId,
    deliveryKeyHash: deliveryKeyHash(signal),
    deliveryDedupTtlMs: settings.deliveryDedupTtlMs,
    receivedAtMs: epochMs(signal.receivedTime) ?? nowMs,
    namespace: settings.namespace,
    terminalRrNames: known.filter((rr) => rr.terminal).map((rr) => rr.name),
    flushIntervalMs: settings.flushIntervalMs,
    nowMs,
    duplicateAuditEvent: deps.audit.deduplicated(signal, decision),
    ...(run.jobId !== signal.signalId ? { jobId: run.jobId } : {}),
  };
}

/** A firing signal with its fingerprint, for `admitFiringSignals`. */
export interface FiringSignal {
  signal: NormalizedSignal;
  decision: FingerprintDecision;
}

/**
 * Admits firing signals in one atomic step (the same decision each would get alone, in their order) and returns
 * the outcome of every redelivery and duplicate. A signal that claims a window, and every later one of its
 * fingerprint, is answered null: the caller processes those with `processSignal`, in their order, since a claim
 * goes on to create its RR. Each decided signal's admission time is the whole step's.
 */
export async function admitFiringSignals(
  signals: readonly FiringSignal[],
  run: SignalRun,
  deps: PipelineDeps,
): Promise<(ProcessResult | null)[]> {
  const { settings } = deps;
  const requests = signals.map(({ signal, decision }) =>
    admitRequestOf(signal, decision, deps.index.byFingerprint(decision.fingerprint), run, deps, settings),
  );
  const started = performance.now();
  const admissions = await deps.store.admitMany(requests);
  const seconds = (performance.now() - started) / 1000;
  return admissions.map((admission, i) => {
    if (!admission) return null;
    deps.observeAdmission?.(seconds);
    const strategy = signals[i]?.decision.strategy;
    return { ...countedOutcome(admission, requests[i]?.fingerprint ?? ''), ...(strategy ? { strategy } : {}) };
  });
}

function countedOutcome(admission: CountedAdmission, fingerprint: string): ProcessResult {
  return admission.decision === 'redelivery'
    ? { outcome: Outcome.redelivered, fingerprint }
    : { outcome: Outcome.deduplicated, fingerprint, rr: admission.rr, count: admission.count };
}

async function processFiring(
  signal: NormalizedSignal,
  decision: FingerprintDecision,
  run: SignalRun,
  deps: PipelineDeps,
  settings: PipelineSettings,
): Promise<ProcessResult> {
  const { fingerprint } = decision;
  const known = deps.index.byFingerprint(fingerprint);
  const admissionStarted = performance.now();
  const admission = await tracingOf(deps).span('dedup.admit', () =>
    deps.store.admit(admitRequestOf(signal, decision, known, run, deps, settings)),
  );
  deps.observeAdmission?.((performance.now() - admissionStarted) / 1000);
  if (admission.decision !== 'claimed') return countedOutcome(admission, fingerprint);
  return createForWindow(signal, decision, run.attempt, admission, known, deps, settings);
}

async function createForWindow(
  signal: NormalizedSignal,
  decision: FingerprintDecision,
  attempt: number,
  claim: { rr: string; seq: number; count: number },
  known: KnownRemediation[],
  deps: PipelineDeps,
  settings: PipelineSettings,
): Promise<ProcessResult> {
  const namespace = settings.namespace;
  const { fingerprint } = decision;
  let { rr, seq } = claim;

  // Redis lost `seq:<fp>`: never reuse a name that a closed window's RR still holds.
  const highestTerminalSeq = Math.max(0, ...known.filter((k) => k.terminal).map((k) => k.seq));
  if (highestTerminalSeq >= seq) {
    const moved = await deps.store.advanceSeq(fingerprint, signal.signalId, highestTerminalSeq);
    if (!moved) return { outcome: Outcome.alreadyDone, fingerprint };
    ({ rr, seq } = moved);
  }

  // Redis lost the window while its RR is still open: adopt it instead of creating a second one.
  const live = known.find((k) => !k.terminal && k.name !== rr);
  if (live) return adopt(signal, decision, live.name, live.seq, live.occurrenceCount, live.firstSeenAt, deps, settings);

  for (let advances = 0; advances <= MAX_NAME_ADVANCES; advances += 1) {
    const object = deps.buildRemediationRequest({
      signal,
      fingerprint,
      seq,
      namespace,
      strategy: decision.strategy,
      evidence: decision.evidence,
      now: deps.now(),
    });
    let created: 'created' | 'already-exists';
    try {
      created = await tracingOf(deps).span('k8s.create', () => deps.client.create(object));
    } catch (err) {
      await recordCreateFailure(signal, decision, rr, attempt, err, deps, settings);
      throw err;
    }
    if (created === 'already-exists') {
      const existing = await tracingOf(deps).span('k8s.get', () => deps.client.get(namespace, rr));
      if (!existing) continue;
      const sameWindow =
        existing.spec.signalFingerprint === fingerprint && !isTerminalPhase(existing.status?.overallPhase);
      if (!sameWindow) {
        const moved = await deps.store.advanceSeq(fingerprint, signal.signalId, seq);
        if (!moved) return { outcome: Outcome.alreadyDone, fingerprint };
        ({ rr, seq } = moved);
        continue;
      }
      // A status already written means the RR outlived a window Redis forgot: keep counting from it.
      const dedup = existing.status?.deduplication;
      if (dedup?.occurrenceCount) {
        return adopt(signal, decision, rr, seq, dedup.occurrenceCount, dedup.firstSeenAt, deps, settings);
      }
    }
    return markOpen(signal, decision, rr, seq, deps, settings);
  }
  throw new GatewayError({
    code: ErrorCode.k8sInvalid,
    operation: 'rr.create',
    errorType: 'conflict',
    retryable: true,
    rrName: rr,
  });
}

async function adopt(
  signal: NormalizedSignal,
  decision: FingerprintDecision,
  rr: string,
  seq: number,
  existingCount: number | undefined,
  existingFirstSeenAt: string | undefined,
  deps: PipelineDeps,
  settings: PipelineSettings,
): Promise<ProcessResult> {
  const { fingerprint } = decision;
  const firstSeen = epochMs(existingFirstSeenAt);
  const snapshot = await deps.store.adopt({
    fingerprint,
    signalId: signal.signalId,
    rr,
    namespace: settings.namespace,
    seq,
    existingCount: existingCount ?? 0,
    ...(firstSeen !== undefined ? { existingFirstSeenMs: firstSeen } : {}),
    auditEvents: [deps.audit.adopted(signal, decision, rr, settings.namespace)],
    nowMs: deps.now().getTime(),
    flushIntervalMs: settings.flushIntervalMs,
  });
  if (!snapshot) return { outcome: Outcome.alreadyDone, fingerprint };
  return { outcome: Outcome.adopted, fingerprint, rr, count: snapshot.count };
}

async function markOpen(
  signal: NormalizedSignal,
  decision: FingerprintDecision,
  rr: string,
  seq: number,
  deps: PipelineDeps,
  settings: PipelineSettings,
): Promise<ProcessResult> {
  const { fingerprint } = decision;
  const now = deps.now();
  const snapshot = await deps.store.markOpen(
    fingerprint,
    signal.signalId,
    deps.audit.created(signal, decision, rr, settings.namespace, now),
    now.getTime(),
  );
  if (!snapshot) return { outcome: Outcome.alreadyDone, fingerprint };
  await writeInitialStatus(fingerprint, seq, snapshot, deps, settings);
  return { outcome: Outcome.created, fingerprint, rr, count: snapshot.count };
}

/**
 * The RR is created without status; this first write carries every occurrence counted while the window
 * was pending. If it fails the flusher writes it instead, so the job need not be retried for it.
 */
async function writeInitialStatus(
  fingerprint: string,
  seq: number,
  snapshot: WindowSnapshot,
  deps: PipelineDeps,
  settings: PipelineSettings,
): Promise<void> {
  let written = 0;
  try {
    const result = await tracingOf(deps).span('k8s.patchStatus', () =>
      deps.client.patchDeduplication(snapshot.namespace, snapshot.rr, {
        firstSeenAt: formatTimestamp(snapshot.firstMs),
        lastSeenAt: formatTimestamp(snapshot.lastMs),
        occurrenceCount: snapshot.count,
      }),
    );
    if (result === 'ok') written = snapshot.count;
  } catch {
    written = 0;
  }
  await deps.store.recordInitialWrite(fingerprint, seq, written, deps.now().getTime(), settings.flushIntervalMs);
}

async function recordCreateFailure(
  signal: NormalizedSignal,
  decision: FingerprintDecision,
  rr: string,
  attempt: number,
  err: unknown,
  deps: PipelineDeps,
  settings: PipelineSettings,
): Promise<void> {
  const error = asGatewayError(err, 'rr.create');
  // Refused by the open breaker, no create was attempted: the parked job tries again, and auditing every park
  // would repeat one failed-create event (same attempt, same id) for as long as the outage lasts.
  if (error.code === ErrorCode.circuitOpen) return;
  const event = deps.audit.crdFailed(signal, decision, rr, settings.namespace, error, attempt);
  if (error.retryable) await deps.store.appendAudit([event]);
  else await deps.store.release(decision.fingerprint, signal.signalId, [event]);
}
