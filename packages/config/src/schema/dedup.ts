import { z } from 'zod';
import { durationBetween, integerBetween, section } from '../rules.js';

const HOUR_MS = 3_600_000;

export const DedupConfigSchema = section({
  flushInterval: durationBetween(100, 60_000).prefault('1s'),
  flushConcurrency: integerBetween(1, 500).prefault(20),
  maxStatusWritesPerSecond: integerBetween(1, 100_000).prefault(250),
  deliveryDedupTtl: durationBetween(0, 24 * HOUR_MS).prefault('10m'),
  reconcileInterval: durationBetween(10_000, HOUR_MS).prefault('60s'),
  pendingClaimTimeout: durationBetween(60_000, 24 * HOUR_MS).prefault('10m'),
  holdTerminal: section({
    manualReview: z.boolean().prefault(false),
    backoff: z.boolean().prefault(false),
  }).prefault({}),
});
export type DedupConfig = z.infer<typeof DedupConfigSchema>;
