import type { DeduplicationStatus, RemediationRequestObject } from '@gateway/contracts';

/**
 * Interfaces the signal pipeline needs from the outside world. They are owned here, by their user;
 * `dedup/` implements WindowStore on Redis, `kube/` implements RemediationClient and RemediationIndex.
 */

/** What the Remediation Orchestrator's objects look like to the gateway: only what dedup needs. */
export interface KnownRemediation {
  name: string;
  namespace: string;
  fingerprint: string;
  /** `status.overallPhase`, `''` when unset. */
  phase: string;
  /** Whether the window of this RR is closed (terminal phase, subject to the holdTerminal options). */
  terminal: boolean;
  /** `kubernaut.ai/dedup-window-seq`, 0 when absent. */
  seq: number;
  firstSeenAt?: string;
  occurrenceCount?: number;
}

/** Informer-backed view of RemediationRequests in the remediation namespace (adoption and window closing). */
export interface RemediationIndex {
  /** Every RR known for a fingerprint, terminal or not. */
  byFingerprint(fingerprint: string): KnownRemediation[];
  /** True once the initial list has completed; the worker consumes no job before. */
  synced(): boolean;
}

export type CreateOutcome = 'created' | 'already-exists';

/**
 * Kubernetes writes with retries, backoff and the circuit breaker inside. Failures are thrown as
 * GatewayError whose `retryable` decides whether the job is re-run or failed.
 */
export interface RemediationClient {
  create(rr: RemediationRequestObject): Promise<CreateOutcome>;
  get(namespace: string, name: string): Promise<RemediationRequestObject | undefined>;
  /** JSON merge patch of `status.deduplication` on the status subresource; `gone` on 404. */
  patchDeduplication(namespace: string, name: string, status: DeduplicationStatus): Promise<'ok' | 'gone'>;
}
