import { parseTimestamp, RR_ANNOTATIONS } from '@gateway/contracts';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { WindowFacts } from './hold-terminal.js';

/** The few fields of an RR the dedup decisions read; everything else is dropped to bound memory. */
export interface RemediationRecord extends WindowFacts {
  name: string;
  namespace: string;
  fingerprint: string;
  seq: number;
  firstSeenAt?: string;
  occurrenceCount?: number;
}

/** An RR as it arrives from list or watch, typed only as far as we read it. */
export interface RemediationWireObject extends KubernetesObject {
  spec?: Record<string, unknown> & { signalFingerprint?: unknown };
  status?: {
    overallPhase?: unknown;
    deduplication?: { firstSeenAt?: unknown; occurrenceCount?: unknown };
    completionStatus?: { outcome?: unknown };
    routingStatus?: { nextAllowedExecution?: unknown };
  };
}

/** Undefined for objects that carry no fingerprint: not ours, nothing to deduplicate against. */
export function toRemediationRecord(obj: RemediationWireObject): RemediationRecord | undefined {
  const name = obj.metadata?.name;
  const fingerprint = obj.spec?.signalFingerprint;
  if (!name || typeof fingerprint !== 'string' || fingerprint === '') return undefined;
  const status = obj.status;
  const seq = Number.parseInt(obj.metadata?.annotations?.[RR_ANNOTATIONS.windowSeq] ?? '', 10);
  const record: RemediationRecord = {
    name,
    namespace: obj.metadata?.namespace ?? '',
    fingerprint,
    phase: typeof status?.overallPhase === 'string' ? status.overallPhase : '',
    seq: Number.isSafeInteger(seq) && seq > 0 ? seq : 0,
    manualReviewRequired: status?.completionStatus?.outcome === 'ManualReviewRequired',
    nextAllowedExecutionMs: parseTimestamp(status?.routingStatus?.nextAllowedExecution)?.getTime(),
  };
  const firstSeenAt = status?.deduplication?.firstSeenAt;
  if (typeof firstSeenAt === 'string') record.firstSeenAt = firstSeenAt;
  const occurrenceCount = status?.deduplication?.occurrenceCount;
  if (typeof occurrenceCount === 'number') record.occurrenceCount = occurrenceCount;
  return record;
}

const HEAVY_SPEC_FIELDS = ['originalPayload', 'providerData', 'signalLabels', 'signalAnnotations'] as const;

/**
 * client-node's informer keeps every object it receives in its own cache. Payloads and label maps are most of
 * an RR's size and never read here, so they are removed from the cached object in place.
 */
export function dropHeavyFields(obj: RemediationWireObject): void {
  for (const field of HEAVY_SPEC_FIELDS) delete obj.spec?.[field];
  if (obj.metadata) delete obj.metadata.managedFields;
}
