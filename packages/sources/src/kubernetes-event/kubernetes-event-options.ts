import { z } from 'zod';

export const KubernetesEventOptionsSchema = z.object({
  /** Upper bound on `{items: [...]}` lists, so one request cannot enqueue an unbounded batch. */
  maxEventsPerRequest: z.number().int().min(1).default(100),
});
export type KubernetesEventOptions = z.infer<typeof KubernetesEventOptionsSchema>;
