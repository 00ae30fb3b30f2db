import type { NormalizedSignal } from '@gateway/contracts';
import type { AuditEventType, GatewayAuditPayload } from './audit-event-types.js';
import type { AuditParty, NewAuditEventInput } from './new-audit-event.js';
import { boundOriginalPayload } from './original-payload.js';

/** What every signal-related builder is given at the call site. */
export interface SignalEventInput {
  signal: NormalizedSignal;
  fingerprint: string;
  /** The strategy that decided `fingerprint` and why (`fingerprint_strategy`, `fingerprint_evidence`). */
  fingerprintDecision?: { strategy: string; evidence: object };
  rrName?: string;
  rrNamespace?: string;
  occurrenceCount?: number;
  /** Decision time. */
  now: Date;
  /** `audit.includePayloadInDuplicates`; only consulted for deduplicated events. */
  includePayload?: boolean;
  maxOriginalPayloadBytes?: number;
}

/** Events about an existing (or intended) RemediationRequest need to name it. */
export interface SignalWithRequestInput extends SignalEventInput {
  rrName: string;
  rrNamespace: string;
}

type GatewaySignalEventType = GatewayAuditPayload['event_type'];

export function signalActor(signal: NormalizedSignal): AuditParty {
  if (signal.principal.type === 'anonymous') return { type: 'external', id: signal.signalSource };
  return { type: 'authenticated-service', id: signal.principal.id };
}

export function remediationRequestRef(rrNamespace: string, rrName: string): string {
  return `${rrNamespace}/${rrName}`;
}

/**
 * The name hashed into the event's UUIDv5 `event_id` (docs/audit.md#fields); `attempt` only distinguishes repeated
 * failures of one decision.
 */
export function signalEventIdName(
  signal: NormalizedSignal,
  eventType: AuditEventType,
  action: string,
  attempt?: number,
): string {
  const base = `${signal.signalId}:${eventType}:${action}`;
  return attempt === undefined ? base : `${base}:${attempt}`;
}

/** Fields of `GatewayAuditPayload` that describe the signal itself, shared by every signal and CRD event. */
export function signalPayload(input: SignalEventInput, eventType: GatewaySignalEventType): GatewayAuditPayload {
  const { signal } = input;
  const payload: GatewayAuditPayload = {
    event_type: eventType,
    signal_type: 'alert',
    signal_name: signal.signalName,
    namespace: signal.namespace,
    fingerprint: input.fingerprint,
    severity: signal.severity,
  };
  if (signal.target) {
    payload.resource_kind = signal.target.kind;
    payload.resource_name = signal.target.name;
  }
  if (input.fingerprintDecision) {
    payload.fingerprint_strategy = input.fingerprintDecision.strategy;
    payload.fingerprint_evidence = { ...input.fingerprintDecision.evidence };
  }
  if (input.rrName && input.rrNamespace) {
    payload.remediation_request = remediationRequestRef(input.rrNamespace, input.rrName);
  }
  return payload;
}

/** The reconstruction fields (original payload, labels, annotations) that let Data Storage rebuild an RR. */
export function withSignalContent(payload: GatewayAuditPayload, input: SignalEventInput): GatewayAuditPayload {
  return {
    ...payload,
    original_payload: boundOriginalPayload(input.signal.originalPayload, input.maxOriginalPayloadBytes),
    signal_labels: input.signal.labels,
    signal_annotations: input.signal.annotations,
  };
}

/** Envelope fields every signal event takes from the signal. */
export function signalEnvelope(
  signal: NormalizedSignal,
): Pick<NewAuditEventInput, 'actor' | 'actorIp' | 'namespace' | 'clusterId'> {
  return {
    actor: signalActor(signal),
    actorIp: signal.clientIp,
    namespace: signal.namespace,
    clusterId: signal.clusterId,
  };
}
