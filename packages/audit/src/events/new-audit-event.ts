import { formatTimestamp } from '@gateway/contracts';
import type { AuditEvent, AuditEventAction, AuditEventData, AuditEventOutcome } from './audit-event-types.js';
import { auditEventId } from './event-id.js';

export const AUDIT_EVENT_VERSION = '1.0';

export interface AuditParty {
  type: string;
  id: string;
}

export interface NewAuditEventInput {
  /** Name hashed into the UUIDv5 `event_id`; the same decision must always give the same name. */
  idName: string;
  action: AuditEventAction;
  outcome: AuditEventOutcome;
  correlationId: string;
  actor: AuditParty;
  resource: AuditParty;
  eventData: AuditEventData;
  at: Date;
  actorIp?: string;
  namespace?: string;
  clusterId?: string;
  durationMs?: number;
  errorCode?: string;
  errorMessage?: string;
}

/**
 * The common envelope of every gateway event (docs/audit.md#fields). Empty namespace and cluster id mean "none" in
 * the gateway and are left out rather than sent as "".
 */
export function newAuditEvent(input: NewAuditEventInput): AuditEvent {
  const event: AuditEvent = {
    event_id: auditEventId(input.idName),
    version: AUDIT_EVENT_VERSION,
    event_type: input.eventData.event_type,
    event_timestamp: formatTimestamp(input.at),
    event_category: 'gateway',
    event_action: input.action,
    event_outcome: input.outcome,
    actor_type: input.actor.type,
    actor_id: input.actor.id,
    resource_type: input.resource.type,
    resource_id: input.resource.id,
    correlation_id: input.correlationId,
    is_sensitive: false,
    event_data: input.eventData,
  };
  if (input.actorIp) event.actor_ip = input.actorIp;
  if (input.namespace) event.namespace = input.namespace;
  if (input.clusterId) event.cluster_id = input.clusterId;
  if (input.durationMs !== undefined) event.duration_ms = input.durationMs;
  if (input.errorCode !== undefined) event.error_code = input.errorCode;
  if (input.errorMessage !== undefined) event.error_message = input.errorMessage;
  return event;
}
