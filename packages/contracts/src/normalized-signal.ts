import { z } from 'zod';

export const SOURCE_TYPES = [
  'alertmanager',
  'kubernetes-event',
  'cloudwatch',
  'azure-monitor',
  'datadog',
  'grafana',
  'custom',
  'plugin',
] as const;
export const SourceTypeSchema = z.enum(SOURCE_TYPES);
export type SourceType = z.infer<typeof SourceTypeSchema>;

export const TARGET_TYPES = ['kubernetes', 'aws', 'azure', 'gcp', 'datadog'] as const;
export const TargetTypeSchema = z.enum(TARGET_TYPES);
export type TargetType = z.infer<typeof TargetTypeSchema>;

export const SignalStatus = { firing: 'firing', resolved: 'resolved' } as const;
export const SignalStatusSchema = z.enum(['firing', 'resolved']);
export type SignalStatus = z.infer<typeof SignalStatusSchema>;

export const TargetSchema = z.object({
  type: TargetTypeSchema,
  kind: z.string().min(1).max(253),
  name: z.string().min(1).max(253),
  namespace: z.string().optional(),
  apiVersion: z.string().optional(),
  /** Fingerprint scope: the namespace for Kubernetes targets, a provider scope otherwise. */
  scope: z.string(),
});
export type Target = z.infer<typeof TargetSchema>;

export const PrincipalSchema = z.object({
  type: z.enum(['token', 'tokenreview', 'signature', 'anonymous']),
  id: z.string(),
});
export type Principal = z.infer<typeof PrincipalSchema>;

const StringMap = z.record(z.string(), z.string());
const JsonObject = z.record(z.string(), z.unknown());

/** What a source adapter produces for one item; ingress completes it into a NormalizedSignal. */
export const SignalDraftSchema = z.object({
  index: z.number().int().min(0),
  source: z.string().min(1),
  sourceType: SourceTypeSchema,
  signalSource: z.string().min(1).max(63),
  status: SignalStatusSchema,
  signalName: z.string().min(1).max(253),
  severity: z.string().min(1).max(50),
  namespace: z.string(),
  /** Resolved items may lack a target (docs/signals-and-sources.md#common-normalisation). */
  target: TargetSchema.optional(),
  clusterId: z.string().max(253),
  firingTime: z.string().optional(),
  labels: StringMap,
  annotations: StringMap,
  providerData: JsonObject,
  originalPayload: JsonObject,
  deliveryKey: z.string().nullable(),
  fingerprintInput: z.string().nullable(),
});
export type SignalDraft = z.infer<typeof SignalDraftSchema>;

export const NormalizedSignalSchema = SignalDraftSchema.extend({
  signalId: z.string().min(1),
  requestId: z.string().min(1),
  firingTime: z.string(),
  receivedTime: z.string(),
  principal: PrincipalSchema,
  clientIp: z.string().max(45),
  configHash: z.string(),
});
export type NormalizedSignal = z.infer<typeof NormalizedSignalSchema>;
