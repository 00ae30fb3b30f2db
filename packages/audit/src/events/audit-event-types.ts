import type { components } from '../generated/data-storage.js';

type Schemas = components['schemas'];

/** One audit event as sent to Data Storage (and kept in the audit stream until delivered). */
export type AuditEvent = Schemas['AuditEventRequest'];
export type GatewayAuditPayload = Schemas['GatewayAuditPayload'];
export type GatewayConfigReloadedPayload = Schemas['GatewayConfigReloadedPayload'];
export type GatewayConfigRejectedPayload = Schemas['GatewayConfigRejectedPayload'];
export type AuditErrorDetails = Schemas['ErrorDetails'];
export type AuditEventData = AuditEvent['event_data'];
export type AuditEventOutcome = AuditEvent['event_outcome'];
export type BatchAuditEventResponse = Schemas['BatchAuditEventResponse'];
export type AuditProblem = Schemas['RFC7807Problem'];

/** The gateway's event types (docs/audit.md#event-catalogue). */
export const AuditEventType = {
  signalReceived: 'gateway.signal.received',
  signalDeduplicated: 'gateway.signal.deduplicated',
  crdCreated: 'gateway.crd.created',
  crdFailed: 'gateway.crd.failed',
  configReloaded: 'gateway.config.reloaded',
  configRejected: 'gateway.config.rejected',
} as const satisfies Record<string, AuditEvent['event_type']>;
export type AuditEventType = AuditEvent['event_type'];

export const AuditEventAction = {
  received: 'received',
  resolved: 'resolved',
  deduplicated: 'deduplicated',
  created: 'created',
  failed: 'failed',
  reloaded: 'reloaded',
  rejected: 'rejected',
} as const;
export type AuditEventAction = (typeof AuditEventAction)[keyof typeof AuditEventAction];
