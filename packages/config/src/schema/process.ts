import { z } from 'zod';
import { durationBetween, integerBetween, nonEmptyString, numberBetween, section, urlWithScheme } from '../rules.js';

export const LogLevelSchema = z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);
export type LogLevel = z.infer<typeof LogLevelSchema>;

export const LoggingConfigSchema = section({
  level: LogLevelSchema.prefault('info'),
  format: z.enum(['json', 'pretty']).prefault('json'),
  logPayloads: z.boolean().prefault(false),
});
export type LoggingConfig = z.infer<typeof LoggingConfigSchema>;

export const TelemetryConfigSchema = section({
  otlpEndpoint: urlWithScheme(['http', 'https'], 'http://otel-collector:4318').optional(),
});
export type TelemetryConfig = z.infer<typeof TelemetryConfigSchema>;

/** SPEC §13.6. */
export const AutoRollbackConfigSchema = section({
  enabled: z.boolean().prefault(false),
  window: durationBetween(10_000, 3_600_000).prefault('5m'),
  minRequests: integerBetween(1, 100_000_000).prefault(50),
  minErrors: integerBetween(1, 100_000_000).prefault(10),
  factor: numberBetween(1, 100).prefault(2),
  minIncrease: numberBetween(0, 1).prefault(0.05),
});
export type AutoRollbackConfig = z.infer<typeof AutoRollbackConfigSchema>;

export const ReloadConfigSchema = section({
  watch: z.boolean().prefault(true),
  pollInterval: durationBetween(5000, 600_000).prefault('30s'),
  debounce: durationBetween(50, 5000).prefault('250ms'),
  autoRollback: AutoRollbackConfigSchema.prefault({}),
});
export type ReloadConfig = z.infer<typeof ReloadConfigSchema>;

export const ShutdownConfigSchema = section({
  drainDelay: durationBetween(0, 60_000).prefault('5s'),
  timeout: durationBetween(1000, 300_000).prefault('25s'),
});
export type ShutdownConfig = z.infer<typeof ShutdownConfigSchema>;

/** SPEC §5.8: npm modules whose default export is `defineSource(...)`. */
export const PluginEntrySchema = section({
  module: nonEmptyString(),
  options: z.record(z.string(), z.unknown()).optional(),
});
export type PluginEntry = z.infer<typeof PluginEntrySchema>;
