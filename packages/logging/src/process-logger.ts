import { redactForLog } from '@gateway/config';
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import { PinoPretty } from 'pino-pretty';

/**
 * Fields that may hold credentials wherever a log call puts them: they never reach the log, whatever object a call
 * is handed (docs/security.md#secrets-in-logs-and-configuration).
 */
export const REDACTED_LOG_PATHS: readonly string[] = [
  'authorization',
  'cookie',
  'token',
  'password',
  '*.authorization',
  '*.cookie',
  '*.token',
  '*.password',
  'headers.authorization',
  'headers.cookie',
  'headers["x-hub-signature"]',
  'headers["x-grafana-alerting-signature"]',
  'req.headers.authorization',
  'req.headers.cookie',
];

export interface ProcessLoggerOptions {
  /** Fields on every line (`service`, `pod`, `version`). */
  base: Record<string, string>;
  level: string;
  /** `logging.format`: restart-only, since the destination is chosen once. */
  format: 'json' | 'pretty';
  /** Fields naming the active trace and span, when tracing is on: lines written inside a traced request carry them. */
  traceFields?(): Record<string, string> | undefined;
  /** Where JSON lines go; stdout by default. */
  destination?: DestinationStream;
}

/** The one logger of an app process: JSON lines (or pretty ones) on stdout, ISO times, credentials redacted. */
export function createProcessLogger(options: ProcessLoggerOptions): Logger {
  const { traceFields } = options;
  const loggerOptions: LoggerOptions = {
    level: options.level,
    base: options.base,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    ...(traceFields === undefined ? {} : { mixin: () => traceFields() ?? {} }),
    serializers: { err: (err: Error) => redactForLog(pino.stdSerializers.err(err)) },
    redact: { paths: [...REDACTED_LOG_PATHS], censor: '[REDACTED]' },
  };
  if (options.format === 'pretty') return pino(loggerOptions, PinoPretty({ sync: true }));
  return pino(loggerOptions, options.destination ?? pino.destination(1));
}
