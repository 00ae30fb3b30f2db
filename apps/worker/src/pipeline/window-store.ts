/**
 * The dedup window store the pipeline needs. Implemented on Redis with one Lua script per
 * step in `dedup/`; every method is atomic and idempotent for a given signalId, because jobs are
 * at-least-once and may be re-run after any crash.
 *
 * Audit events are passed in as JSON strings and appended to the audit stream inside the same script as
 * the decision they record (docs/audit.md#shipping). A template may contain the raw placeholders below, which the
 * script replaces with JSON values it only knows inside the atomic step. JSON.stringify never emits a
 * raw U+0001, so a placeholder can never collide with payload content.
 */
export const AUDIT_PLACEHOLDER = {
  /** JSON string: the window's RR name, e.g. `"rr-c35a9758b42c-423a5916"`. */
  rrName: '\u0001rr\u0001',
  /** JSON string: `"<namespace>/<rr name>"`. */
  rrRef: '\u0001rrref\u0001',
  /** JSON number: the window's occurrence count after this decision. */
  count: '\u0001count\u0001',
} as const;

export type Admission =
  /** The delivery key was admitted before by another signal: not counted, not audited. */
  | { decision: 'redelivery'; firstSignalId: string }
  /** An open or pending window counted this occurrence. */
  | { decision: 'duplicate'; rr: string; namespace: string; seq: number; count: number; state: 'pending' | 'open' }
  /** This signal owns a new window and must create (or adopt) its RR. */
  | { decision: 'claimed'; rr: string; namespace: string; seq: number; count: number };

/** A decision that counts or skips the signal without claiming a window: what a batched admission decides. */
export type CountedAdmission = Exclude<Admission, { decision: 'claimed' }>;

export interface AdmitRequest {
  fingerprint: string;
  signalId: string;
  /** sha256 of `source \0 deliveryKey`, null when the source has none or delivery dedup is off. */
  deliveryKeyHash: string | null;
  deliveryDedupTtlMs: number;
  receivedAtMs: number;
  /** Namespace the window's RR lives in. */
  namespace: string;
  /**
   * RR names for this fingerprint that the informer knows to be terminal or deleted (they close the window before
   * admission).
   */
  terminalRrNames: string[];
  flushIntervalMs: number;
  nowMs: number;
  /** Appended to the audit stream only when the decision is `duplicate`. */
  duplicateAuditEvent?: string;
  /** The BullMQ job holding the signal, recorded with a claim; absent when the job id is the signalId. */
  jobId?: string;
}

export interface ResolvedAdmitRequest {
  fingerprint: string;
  signalId: string;
  deliveryKeyHash: string | null;
  deliveryDedupTtlMs: number;
  auditWithOpenRr: string;
  auditWithoutRr: string;
}

export type ResolvedAdmission =
  | { decision: 'redelivery'; firstSignalId: string }
  | { decision: 'resolved'; rr: string | null };

export interface WindowSnapshot {
  rr: string;
  namespace: string;
  seq: number;
  count: number;
  firstMs: number;
  lastMs: number;
}

export interface AdoptRequest {
  fingerprint: string;
  signalId: string;
  /** The existing non-terminal RR that Redis forgot about. */
  rr: string;
  namespace: string;
  seq: number;
  /** Its `status.deduplication.occurrenceCount` (0 when unset); the window's own count is added. */
  existingCount: number;
  existingFirstSeenMs?: number;
  auditEvents: string[];
  nowMs: number;
  flushIntervalMs: number;
}

/** A window whose RR status is due to be written (docs/fingerprints-and-windows.md#write-behind-to-the-rr). */
export interface FlushTask {
  fingerprint: string;
  seq: number;
  rr: string;
  namespace: string;
  count: number;
  firstMs: number;
  lastMs: number;
  /** The window was closed; this is its final write and the closed record is deleted after it. */
  closed: boolean;
}

export type FlushOutcome = { result: 'ok' } | { result: 'gone' } | { result: 'retry'; delayMs: number };

export interface WindowStore {
  /** Redelivery, duplicate or claim, in one atomic step; replays the stored result for a signalId. */
  admit(request: AdmitRequest): Promise<Admission>;
  /**
   * Admits many signals in one atomic step, each as `admit` would alone, in their order, except those that would
   * claim a window: those (and every later signal of the same fingerprint) are answered null untouched, for the
   * caller to `admit` one by one in their order. A replayed claim is answered null as well.
   */
  admitMany(requests: readonly AdmitRequest[]): Promise<(CountedAdmission | null)[]>;
  /**
   * Adoption: point a pending window owned by `signalId` at an existing RR, state open, counts merged,
   * `seq:<fp>` raised to at least `seq`, a flush scheduled. Null when the window is not pending-and-ours
   * (a re-run after the work was done), which the caller treats as already done.
   */
  adopt(request: AdoptRequest): Promise<WindowSnapshot | null>;
  /**
   * The window's name belongs to a terminal RR; move the pending window owned by
   * `signalId` to a sequence above `minSeq` (and above `seq:<fp>`). Null when not pending-and-ours.
   */
  advanceSeq(fingerprint: string, signalId: string, minSeq: number): Promise<{ rr: string; seq: number } | null>;
  /** Once the RR exists: pending → open for the owner, audit appended. Null when not pending-and-ours. */
  markOpen(fingerprint: string, signalId: string, auditEvents: string[], nowMs: number): Promise<WindowSnapshot | null>;
  /** After the initial status write: `flushed = count`, `lastFlushAt = nowMs`; reschedules if more arrived. */
  recordInitialWrite(
    fingerprint: string,
    seq: number,
    countWritten: number,
    nowMs: number,
    flushIntervalMs: number,
  ): Promise<void>;
  /** A non-retryable failure deletes the pending window owned by `signalId`. */
  release(fingerprint: string, signalId: string, auditEvents: string[]): Promise<void>;
  /** Close the window only if it points at `rrName`; a final write is scheduled unless deleted. */
  close(fingerprint: string, rrName: string, scheduleFinalWrite: boolean, nowMs: number): Promise<boolean>;
  /** Pops up to `limit` due flush entries. */
  takeDueFlushes(nowMs: number, limit: number): Promise<FlushTask[]>;
  completeFlush(task: FlushTask, outcome: FlushOutcome, nowMs: number, flushIntervalMs: number): Promise<void>;
  /**
   * A resolved signal never creates, counts or closes a window. Applies the redelivery check and
   * appends one of the two templates atomically: `withOpenRr` (rrRef placeholder filled) when a window
   * exists, else `withoutRr`. Replays the stored result for a signalId.
   */
  admitResolved(request: ResolvedAdmitRequest): Promise<ResolvedAdmission>;
  /** Appends audit events on their own (e.g. `gateway.crd.failed` for a retryable failure). */
  appendAudit(events: string[]): Promise<void>;
  openWindows(): Promise<number>;
  /** Every window in the index, for the reconciler (docs/remediation-requests.md); a window may vanish while listed. */
  listWindows(): AsyncIterable<WindowRecord>;
}

export interface WindowRecord {
  fingerprint: string;
  state: 'pending' | 'open';
  rr: string;
  namespace: string;
  seq: number;
  owner: string;
  /** The job holding the owner signal, which decides whether the claim may still be carried out. */
  ownerJob: string;
  firstMs: number;
}
