import type { AuditEvent } from '../events/audit-event-types.js';

/** What the shipper does with a batch after a send (docs/audit.md#shipping). */
export const SinkOutcome = {
  /** Stored: acknowledge and delete. */
  accepted: 'accepted',
  /** Refused for its content: split down to the offending event. */
  rejected: 'rejected',
  /** Too large as a whole: split. */
  tooLarge: 'too-large',
  /** Not stored this time (outage, auth, throttling, timeout, I/O): keep and retry. */
  retry: 'retry',
} as const;
export type SinkOutcome = (typeof SinkOutcome)[keyof typeof SinkOutcome];

export interface AuditSinkResult {
  outcome: SinkOutcome;
  /** HTTP status, or the kind of failure when there was no answer (`timeout`, `network_error`, `io_error`). */
  status: number | 'timeout' | 'network_error' | 'io_error';
  problemDetail?: string;
}

export interface AuditSinkSendOptions {
  /** Sent as X-Request-ID so a batch can be found in Data Storage's logs. */
  requestId: string;
}

/** Where delivered audit events go. Implementations never throw: every failure is a result. */
export interface AuditSink {
  readonly name: string;
  send(events: readonly AuditEvent[], options: AuditSinkSendOptions): Promise<AuditSinkResult>;
}
