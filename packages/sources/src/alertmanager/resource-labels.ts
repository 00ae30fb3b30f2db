import { DEFAULT_RESOURCE_LABELS } from '@gateway/contracts';
import { z } from 'zod';

export const ResourceLabelSchema = z.object({
  label: z.string().min(1),
  kind: z.string().min(1).max(253),
});
export type ResourceLabel = z.infer<typeof ResourceLabelSchema>;

export { DEFAULT_RESOURCE_LABELS };
