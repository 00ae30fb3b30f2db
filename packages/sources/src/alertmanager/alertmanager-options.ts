import { z } from 'zod';
import { DEFAULT_RESOURCE_LABELS, ResourceLabelSchema } from './resource-labels.js';

export const AlertmanagerOptionsSchema = z.object({
  resourceLabels: z
    .array(ResourceLabelSchema)
    .min(1)
    .default(() => [...DEFAULT_RESOURCE_LABELS]),
});
export type AlertmanagerOptions = z.infer<typeof AlertmanagerOptionsSchema>;
