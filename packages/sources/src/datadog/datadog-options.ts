import { z } from 'zod';

export const DatadogOptionsSchema = z.object({
  /** `No Data` transitions: a silent monitor is often a broken agent rather than a problem to remediate. */
  noData: z.enum(['ignore', 'firing']).default('ignore'),
});
export type DatadogOptions = z.infer<typeof DatadogOptionsSchema>;
