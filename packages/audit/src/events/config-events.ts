import type { AuditEvent } from './audit-event-types.js';
import { AuditEventAction, AuditEventType } from './audit-event-types.js';
import { type AuditParty, newAuditEvent } from './new-audit-event.js';

const GATEWAY_SERVICE: AuditParty = { type: 'service', id: 'gateway' };

/** Data Storage stores rejection reasons as free text; the gateway keeps them short (docs/audit.md#fields). */
export const MAX_REJECTION_REASON_CHARS = 1000;

export const CONFIG_REJECTED_ERROR_CODE = 'ERR_CONFIG_REJECTED';

export interface ConfigEventInput {
  /** Identifies the process, because every process reloads and audits on its own (docs/configuration.md). */
  processId: string;
  reloadSequence: number;
  /** Hot-reloadable component, e.g. `sources` or `logLevel`. */
  component: string;
  /** First 12 hex characters of the candidate configuration's hash. */
  configHash: string;
  now: Date;
}

export interface ConfigRejectedEventInput extends ConfigEventInput {
  /** Already free of secrets: the caller knows which values are secret. */
  rejectionReason: string;
}

function configIdName(input: ConfigEventInput, eventType: string): string {
  return `${input.processId}:${input.reloadSequence}:${eventType}:${input.component}`;
}

export function configReloadedEvent(input: ConfigEventInput): AuditEvent {
  const type = AuditEventType.configReloaded;
  return newAuditEvent({
    idName: configIdName(input, type),
    action: AuditEventAction.reloaded,
    outcome: 'success',
    correlationId: `config-reload-${input.configHash}`,
    actor: GATEWAY_SERVICE,
    resource: { type: 'Config', id: input.component },
    eventData: { event_type: type, component: input.component, config_version: input.configHash },
    at: input.now,
  });
}

export function configRejectedEvent(input: ConfigRejectedEventInput): AuditEvent {
  const type = AuditEventType.configRejected;
  // By code points, the unit JSON Schema's maxLength counts in, so a surrogate pair is never split.
  const reason = Array.from(input.rejectionReason).slice(0, MAX_REJECTION_REASON_CHARS).join('');
  return newAuditEvent({
    idName: configIdName(input, type),
    action: AuditEventAction.rejected,
    outcome: 'failure',
    correlationId: `config-reload-${input.configHash}`,
    actor: GATEWAY_SERVICE,
    resource: { type: 'Config', id: input.component },
    eventData: { event_type: type, component: input.component, rejection_reason: reason },
    errorCode: CONFIG_REJECTED_ERROR_CODE,
    errorMessage: reason,
    at: input.now,
  });
}
