import { z } from 'zod';
import { DEFAULT_RESOURCE_LABELS, ResourceLabelSchema } from '../alertmanager/resource-labels.js';
import { hmacSettingsSchema } from '../hmac/hmac-settings.js';

/** Grafana's contact point names no header of its own choosing, so its conventional one is the default. */
export const GRAFANA_SIGNATURE_HEADER = 'X-Grafana-Alerting-Signature';

export const GrafanaOptionsSchema = z.object({
  resourceLabels: z
    .array(ResourceLabelSchema)
    .min(1)
    .default(() => [...DEFAULT_RESOURCE_LABELS]),
  ignoreTestNotifications: z.boolean().default(true),
  hmac: hmacSettingsSchema(GRAFANA_SIGNATURE_HEADER).optional(),
});
export type GrafanaOptions = z.infer<typeof GrafanaOptionsSchema>;
