import { DEFAULT_RESOURCE_LABELS } from '@gateway/contracts';
import { z } from 'zod';
import { nonEmptyString, reject, section } from '../rules.js';

export { DEFAULT_RESOURCE_LABELS };

export const ResourceLabelSchema = section({ label: nonEmptyString(), kind: nonEmptyString() });
export type ResourceLabel = z.infer<typeof ResourceLabelSchema>;

export const ResourceLabelsSchema = z
  .array(ResourceLabelSchema)
  .check((ctx) => {
    if (ctx.value.length === 0) {
      reject(ctx, 'at least one {label, kind} entry', 'remove the key to use the default list (pod, deployment, …)');
    }
  })
  .prefault(DEFAULT_RESOURCE_LABELS.map((entry) => ({ ...entry })));
