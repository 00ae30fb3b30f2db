import { z } from 'zod';
import { HmacSettingsSchema } from '../hmac/hmac-settings.js';

/** A JSONata expression; literals need quotes (`"'StatefulSet'"`), so a bare YAML number or boolean is refused. */
const ExpressionSchema = z.string().trim().min(1);

export const CustomTargetMappingSchema = z.strictObject({
  kind: ExpressionSchema.optional(),
  name: ExpressionSchema.optional(),
  namespace: ExpressionSchema.optional(),
  apiVersion: ExpressionSchema.optional(),
  scope: ExpressionSchema.optional(),
});
export type CustomTargetMapping = z.infer<typeof CustomTargetMappingSchema>;

/**
 * The keys of a custom source (docs/signals-and-sources.md#custom-sources-jsonata). Strict, so that a misspelt key is a
 * config error instead of a silently unmapped field.
 */
export const CustomMappingSchema = z.strictObject({
  signals: ExpressionSchema.optional(),
  filter: ExpressionSchema.optional(),
  status: ExpressionSchema.optional(),
  signalName: ExpressionSchema,
  severity: ExpressionSchema.optional(),
  targetType: ExpressionSchema.optional(),
  target: CustomTargetMappingSchema.optional(),
  firingTime: ExpressionSchema.optional(),
  labels: ExpressionSchema.optional(),
  annotations: ExpressionSchema.optional(),
  providerData: ExpressionSchema.optional(),
  deliveryKey: ExpressionSchema.optional(),
  fingerprintInput: ExpressionSchema.optional(),
  clusterId: ExpressionSchema.optional(),
});
export type CustomMapping = z.infer<typeof CustomMappingSchema>;

/**
 * The keys of `sources.<name>` (type `custom`) that shape the adapter; other common keys (route, auth, limits)
 * belong to ingress and pass through unread. `hmac.secret` holds the key itself: the caller reads `secretFile`.
 */
export const CustomSourceSpecSchema = z.object({
  signalSource: z.string().min(1).max(63),
  contentTypes: z.array(z.string().min(1)).min(1).optional(),
  overloadStatus: z.union([z.literal(429), z.literal(503)]).optional(),
  hmac: HmacSettingsSchema.optional(),
  mapping: CustomMappingSchema,
});
export type CustomSourceSpec = z.infer<typeof CustomSourceSpecSchema>;
