import { z } from 'zod';
import { sha256Hex } from './hash.js';
import { TargetTypeSchema } from './normalized-signal.js';

export const RR_GROUP = 'kubernaut.ai';
export const RR_VERSION = 'v1alpha1';
export const RR_API_VERSION = `${RR_GROUP}/${RR_VERSION}`;
export const RR_KIND = 'RemediationRequest';
export const RR_PLURAL = 'remediationrequests';
export const DEFAULT_REMEDIATION_NAMESPACE = 'kubernaut-system';
export const FIELD_MANAGER = 'kubernaut-gateway';

export const RR_LABELS = {
  'app.kubernetes.io/managed-by': 'gateway-service',
  'app.kubernetes.io/component': 'remediation',
} as const;

export const RR_ANNOTATIONS = {
  createdAt: 'kubernaut.ai/created-at',
  windowSeq: 'kubernaut.ai/dedup-window-seq',
  fingerprintStrategy: 'kubernaut.ai/fingerprint-strategy',
} as const;

/** Phases after which the orchestrator is done with an RR, so its dedup window closes. */
export const TERMINAL_PHASES = ['Completed', 'Failed', 'TimedOut', 'Skipped', 'Cancelled'] as const;

export function isTerminalPhase(phase: string | undefined | null): boolean {
  return phase != null && (TERMINAL_PHASES as readonly string[]).includes(phase);
}

/** Deterministic per window, so every retry, worker and redelivery targets the same object. */
export function remediationRequestName(fingerprint: string, seq: number): string {
  return `rr-${fingerprint.slice(0, 12)}-${sha256Hex(`${fingerprint}:${seq}`).slice(0, 8)}`;
}

export const RemediationRequestSpecSchema = z.object({
  signalFingerprint: z.string().regex(/^[a-f0-9]{64}$/),
  signalName: z.string().min(1).max(253),
  severity: z.string().min(1).max(50),
  signalType: z.literal('alert'),
  signalSource: z.string().max(63).optional(),
  targetType: TargetTypeSchema,
  targetResource: z.object({
    kind: z.string(),
    name: z.string(),
    namespace: z.string().optional(),
    apiVersion: z.string().optional(),
  }),
  clusterID: z.string().max(253).optional(),
  firingTime: z.string(),
  receivedTime: z.string(),
  signalLabels: z.record(z.string(), z.string()).optional(),
  signalAnnotations: z.record(z.string(), z.string()).optional(),
  providerData: z.string().optional(),
  originalPayload: z.string().optional(),
});
export type RemediationRequestSpec = z.infer<typeof RemediationRequestSpecSchema>;

/** The only part of status the gateway writes, through the status subresource. */
export const DeduplicationStatusSchema = z.object({
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  occurrenceCount: z.number().int().min(1).max(2147483647),
});
export type DeduplicationStatus = z.infer<typeof DeduplicationStatusSchema>;

export interface RemediationRequestObject {
  apiVersion: typeof RR_API_VERSION;
  kind: typeof RR_KIND;
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    uid?: string;
    creationTimestamp?: string;
  };
  spec: RemediationRequestSpec;
  status?: { overallPhase?: string; deduplication?: Partial<DeduplicationStatus>; [key: string]: unknown };
}
