import type { AuditEvent } from './audit-event-types.js';
import { AuditEventAction, AuditEventType } from './audit-event-types.js';
import { newAuditEvent } from './new-audit-event.js';
import {
  type SignalEventInput,
  type SignalWithRequestInput,
  signalEnvelope,
  signalEventIdName,
  signalPayload,
  withSignalContent,
} from './signal-context.js';

/** A firing signal opened a new window and its RemediationRequest was created (docs/remediation-requests.md). */
export function signalReceivedEvent(input: SignalWithRequestInput): AuditEvent {
  const type = AuditEventType.signalReceived;
  const action = AuditEventAction.received;
  return newAuditEvent({
    ...signalEnvelope(input.signal),
    idName: signalEventIdName(input.signal, type, action),
    action,
    outcome: 'success',
    correlationId: input.rrName,
    resource: { type: 'Signal', id: input.fingerprint },
    eventData: { ...withSignalContent(signalPayload(input, type), input), deduplication_status: 'new' },
    at: input.now,
  });
}

/**
 * A resolved signal. It is only audited, so the fingerprint correlates it; the RR is named when
 * a window is still open for it.
 */
export function signalResolvedEvent(input: SignalEventInput): AuditEvent {
  const type = AuditEventType.signalReceived;
  const action = AuditEventAction.resolved;
  return newAuditEvent({
    ...signalEnvelope(input.signal),
    idName: signalEventIdName(input.signal, type, action),
    action,
    outcome: 'success',
    correlationId: input.fingerprint,
    resource: { type: 'Signal', id: input.fingerprint },
    eventData: withSignalContent(signalPayload(input, type), input),
    at: input.now,
  });
}

/** A duplicate was counted against an open window, or an existing RR was adopted. */
export function signalDeduplicatedEvent(input: SignalWithRequestInput): AuditEvent {
  const type = AuditEventType.signalDeduplicated;
  const action = AuditEventAction.deduplicated;
  const base = signalPayload(input, type);
  const payload = input.includePayload === false ? base : withSignalContent(base, input);
  if (input.occurrenceCount !== undefined) payload.occurrence_count = input.occurrenceCount;
  return newAuditEvent({
    ...signalEnvelope(input.signal),
    idName: signalEventIdName(input.signal, type, action),
    action,
    outcome: 'success',
    correlationId: input.rrName,
    resource: { type: 'Signal', id: input.fingerprint },
    eventData: { ...payload, deduplication_status: 'duplicate' },
    at: input.now,
  });
}
