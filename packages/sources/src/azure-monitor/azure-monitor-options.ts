import { z } from 'zod';

/** The common alert schema fixes the mapping (docs/signals-and-sources.md), so there is nothing to tune yet. */
export const AzureMonitorOptionsSchema = z.object({});
export type AzureMonitorOptions = z.infer<typeof AzureMonitorOptionsSchema>;
