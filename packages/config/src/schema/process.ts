import { z } from 'zod';
import { notSupported } from '../not-supported.js';
import { durationBetween, nonEmptyString, section, urlWithScheme } from '../rules.js';

export const LogLevelSchema = z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);
export type LogLevel = z.infer<typeof LogLevelSchema>;

export const LoggingConfigSchema = section({
  level: LogLevelSchema.prefault('info'),
  format: z.enum(['json', 'pretty']).prefault('json'),
  logPayloads: z.boolean().prefault(false),
});
export type LoggingConfig = z.infer<typeof LoggingConfigSchema>;

/** OpenTelemetry trace export (docs/observability.md#tracing): off while no endpoint is set. Restart-only. */
export const TelemetryConfigSchema = section({
  otlpEndpoint: urlWithScheme(['http', 'https'], 'http://otel-collector:4318').optional(),
});
export type TelemetryConfig = z.infer<typeof TelemetryConfigSchema>;

export const ShutdownConfigSchema = section({
  drainDelay: durationBetween(0, 60_000).prefault('5s'),
  timeout: durationBetween(1000, 300_000).prefault('25s'),
});
export type ShutdownConfig = z.infer<typeof ShutdownConfigSchema>;

/** npm modules whose default export is `defineSource(...)` (docs/signals-and-sources.md#plugins). */
export const PluginEntrySchema = section({
  module: nonEmptyString(),
  options: notSupported(undefined, {
    suggestion: "remove it; put the plugin's options under each sources.<name>.options",
  }),
});
export type PluginEntry = z.infer<typeof PluginEntrySchema>;
