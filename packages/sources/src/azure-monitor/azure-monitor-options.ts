import { z } from 'zod';

/** The common alert schema fixes the mapping (SPEC §5.4), so there is nothing to tune yet. */
export const AzureMonitorOptionsSchema = z.object({});
export type AzureMonitorOptions = z.infer<typeof AzureMonitorOptionsSchema>;
