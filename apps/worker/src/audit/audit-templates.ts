import {
  crdCreatedEvent,
  crdFailedEvent,
  signalDeduplicatedEvent,
  signalReceivedEvent,
  signalResolvedEvent,
} from '@gateway/audit';
import type { NormalizedSignal } from '@gateway/contracts';
import type { FingerprintDecision } from '@gateway/fingerprint';
import { AUDIT_SENTINEL, type AuditTemplates, toAuditTemplate } from '../pipeline/audit-templates.js';

export interface AuditTemplateSettings {
  includePayloadInDuplicates: boolean;
  maxOriginalPayloadBytes: number;
  sendEventId: boolean;
}

/** The count is only known inside the atomic store step; the sentinel is swapped for its placeholder. */
const COUNT_SENTINEL = AUDIT_SENTINEL.count as unknown as number;

/**
 * Binds the pipeline's audit port to the OpenAPI-typed builders of `@gateway/audit`, for one configuration snapshot:
 * a job's events all follow the settings it started with.
 */
export function createAuditTemplates(settings: AuditTemplateSettings, now: () => Date): AuditTemplates {
  const serialise = (event: { event_id?: string }): string => {
    if (!settings.sendEventId) delete event.event_id;
    return toAuditTemplate(event);
  };
  const common = (signal: NormalizedSignal, decision: FingerprintDecision) => ({
    signal,
    fingerprint: decision.fingerprint,
    fingerprintDecision: decision,
    now: now(),
    maxOriginalPayloadBytes: settings.maxOriginalPayloadBytes,
  });
  return {
    deduplicated: (signal, fingerprint) =>
      serialise(
        signalDeduplicatedEvent({
          ...common(signal, fingerprint),
          rrName: AUDIT_SENTINEL.rrName,
          rrNamespace: AUDIT_SENTINEL.rrNamespace,
          occurrenceCount: COUNT_SENTINEL,
          includePayload: settings.includePayloadInDuplicates,
        }),
      ),
    adopted: (signal, fingerprint, rrName, namespace) =>
      serialise(
        signalDeduplicatedEvent({
          ...common(signal, fingerprint),
          rrName,
          rrNamespace: namespace,
          occurrenceCount: COUNT_SENTINEL,
          includePayload: settings.includePayloadInDuplicates,
        }),
      ),
    created: (signal, fingerprint, rrName, namespace, createdAt) => [
      serialise(
        crdCreatedEvent({
          ...common(signal, fingerprint),
          now: createdAt,
          rrName,
          rrNamespace: namespace,
          occurrenceCount: COUNT_SENTINEL,
        }),
      ),
      serialise(
        signalReceivedEvent({ ...common(signal, fingerprint), now: createdAt, rrName, rrNamespace: namespace }),
      ),
    ],
    resolved: (signal, fingerprint, withOpenRr) =>
      withOpenRr
        ? serialise(
            signalResolvedEvent({
              ...common(signal, fingerprint),
              rrName: AUDIT_SENTINEL.rrName,
              rrNamespace: AUDIT_SENTINEL.rrNamespace,
            }),
          )
        : serialise(signalResolvedEvent(common(signal, fingerprint))),
    crdFailed: (signal, fingerprint, rrName, namespace, error, attempt) =>
      serialise(crdFailedEvent({ ...common(signal, fingerprint), rrName, rrNamespace: namespace, error, attempt })),
  };
}
