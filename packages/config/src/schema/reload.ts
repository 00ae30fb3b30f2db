import { z } from 'zod';
import { durationBetween, integerBetween, numberBetween, section } from '../rules.js';

/**
 * Automatic rollback of a reload that raises this process's error ratio (docs/configuration.md#automatic-rollback).
 * Off by default: a reload that breaks senders on purpose (a revoked token) must not be undone behind the operator.
 */
export const AutoRollbackConfigSchema = section({
  enabled: z.boolean().prefault(false),
  window: durationBetween(30_000, 3_600_000).prefault('5m'),
  minRequests: integerBetween(1, 1_000_000).prefault(50),
  minErrors: integerBetween(1, 1_000_000).prefault(10),
  factor: numberBetween(1, 100).prefault(2),
  minIncrease: numberBetween(0, 1).prefault(0.05),
});
export type AutoRollbackConfig = z.infer<typeof AutoRollbackConfigSchema>;

/** How a running process notices a changed configuration (docs/configuration.md#reloading-without-a-restart). */
export const ReloadConfigSchema = section({
  watch: z.boolean().prefault(true),
  pollInterval: durationBetween(5000, 600_000).prefault('30s'),
  debounce: durationBetween(50, 5000).prefault('250ms'),
  autoRollback: AutoRollbackConfigSchema.prefault({}),
});
export type ReloadConfig = z.infer<typeof ReloadConfigSchema>;
