import { type GatewayError, parseTimestamp } from '@gateway/contracts';
import type { AuditErrorDetails, AuditEvent } from './audit-event-types.js';
import { AuditEventAction, AuditEventType } from './audit-event-types.js';
import { type AuditParty, newAuditEvent } from './new-audit-event.js';
import {
  remediationRequestRef,
  type SignalWithRequestInput,
  signalEnvelope,
  signalEventIdName,
  signalPayload,
} from './signal-context.js';

const CRD_CREATOR: AuditParty = { type: 'gateway', id: 'crd-creator' };

export interface CrdFailedEventInput extends SignalWithRequestInput {
  error: GatewayError;
  /** Job attempt: each failed attempt is its own event, so it is part of the idempotency key. */
  attempt: number;
}

function elapsedSinceReceivedMs(receivedTime: string, now: Date): number | undefined {
  const received = parseTimestamp(receivedTime);
  return received === undefined ? undefined : Math.max(0, Math.round(now.getTime() - received.getTime()));
}

export function errorDetailsOf(error: GatewayError): AuditErrorDetails {
  return { message: error.message, code: error.code, component: 'gateway', retry_possible: error.retryable };
}

/** The RemediationRequest for a new window exists; `duration_ms` is the signal's time to remediation. */
export function crdCreatedEvent(input: SignalWithRequestInput): AuditEvent {
  const type = AuditEventType.crdCreated;
  const action = AuditEventAction.created;
  const durationMs = elapsedSinceReceivedMs(input.signal.receivedTime, input.now);
  return newAuditEvent({
    ...signalEnvelope(input.signal),
    actor: CRD_CREATOR,
    idName: signalEventIdName(input.signal, type, action),
    action,
    outcome: 'success',
    correlationId: input.rrName,
    resource: { type: 'RemediationRequest', id: remediationRequestRef(input.rrNamespace, input.rrName) },
    eventData: { ...signalPayload(input, type), occurrence_count: input.occurrenceCount ?? 1 },
    at: input.now,
    ...(durationMs === undefined ? {} : { durationMs }),
  });
}

/** One attempt to create the RemediationRequest failed; the structured error says whether it will be retried. */
export function crdFailedEvent(input: CrdFailedEventInput): AuditEvent {
  const type = AuditEventType.crdFailed;
  const action = AuditEventAction.failed;
  return newAuditEvent({
    ...signalEnvelope(input.signal),
    actor: CRD_CREATOR,
    idName: signalEventIdName(input.signal, type, action, input.attempt),
    action,
    outcome: 'failure',
    correlationId: input.rrName,
    resource: { type: 'RemediationRequest', id: remediationRequestRef(input.rrNamespace, input.rrName) },
    eventData: { ...signalPayload(input, type), error_details: errorDetailsOf(input.error) },
    errorCode: input.error.code,
    errorMessage: input.error.message,
    at: input.now,
  });
}
