import type { AuditEventType } from '../events/audit-event-types.js';
import type { AuditBacklog } from './audit-backlog.js';

/** `gateway_audit_batches_total{result}` (docs/observability.md#metrics). */
export const AuditBatchResult = { success: 'success', retry: 'retry', split: 'split' } as const;
export type AuditBatchResult = (typeof AuditBatchResult)[keyof typeof AuditBatchResult];

export const DeadLetterReason = {
  /** Failed the gateway's own schema check: a bug in the producer. */
  invalid: 'invalid',
  /** Data Storage refused the event on its own (400). */
  rejected: 'rejected',
  /** Data Storage refused the event as too large even alone (413). */
  tooLarge: 'too-large',
} as const;
export type DeadLetterReason = (typeof DeadLetterReason)[keyof typeof DeadLetterReason];

/**
 * Hooks the composition root binds to prom-client; the audit package itself stays free of a metrics
 * library. Every hook is optional.
 */
export interface AuditMetrics {
  /** `gateway_audit_batches_total{result}` and `gateway_audit_delivery_duration_seconds`. */
  batchFinished(result: AuditBatchResult, eventCount: number, durationSeconds: number): void;
  /** `gateway_audit_events_total{event_type}`: once per type present in each batch the sink accepted. */
  eventsDelivered(eventType: AuditEventType, count: number): void;
  /** `gateway_audit_events_dead_total`. */
  eventDeadLettered(reason: DeadLetterReason): void;
  /** `gateway_audit_backlog` and `gateway_audit_oldest_pending_age_seconds`. */
  backlogObserved(backlog: AuditBacklog): void;
}

/** pino's call shape, so a pino logger can be passed as is. */
export interface AuditLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}
