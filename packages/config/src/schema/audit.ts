import { z } from 'zod';
import { formatDurationMs } from '../duration.js';
import {
  bytesBetween,
  durationBetween,
  integerBetween,
  nonEmptyString,
  reject,
  section,
  urlWithScheme,
} from '../rules.js';

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

export const DEFAULT_SERVICE_ACCOUNT_TOKEN_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export const AuditRetryConfigSchema = section({
  initialBackoff: durationBetween(100, 60_000).prefault('1s'),
  maxBackoff: durationBetween(100, 600_000).prefault('30s'),
}).check((ctx) => {
  if (ctx.value.maxBackoff < ctx.value.initialBackoff) {
    reject(
      ctx,
      `must be at least audit.retry.initialBackoff (${formatDurationMs(ctx.value.initialBackoff)})`,
      'raise maxBackoff or lower initialBackoff',
      { path: ['maxBackoff'] },
    );
  }
});
export type AuditRetryConfig = z.infer<typeof AuditRetryConfigSchema>;

/** Where audit goes when `DATA_STORAGE_URL` is unset: a JSON-lines file instead of Data Storage. */
export const AuditFileConfigSchema = section({
  path: nonEmptyString().prefault('./data/audit.jsonl'),
  maxBytes: bytesBetween(MIB, 64 * GIB).prefault(100 * MIB),
  maxFiles: integerBetween(1, 1000).prefault(5),
});
export type AuditFileConfig = z.infer<typeof AuditFileConfigSchema>;

export const AuditConfigSchema = section({
  dataStorageUrl: urlWithScheme(['http', 'https'], 'http://data-storage:8080').optional(),
  batchSize: integerBetween(1, 1000).prefault(100),
  flushInterval: durationBetween(100, 60_000).prefault('1s'),
  requestTimeout: durationBetween(1000, 120_000).prefault('10s'),
  retry: AuditRetryConfigSchema.prefault({}),
  maxBacklog: integerBetween(1000, 100_000_000).prefault(2_000_000),
  maxBacklogBytes: bytesBetween(MIB, 64 * GIB).prefault(GIB),
  includePayloadInDuplicates: z.boolean().prefault(true),
  maxOriginalPayloadBytes: bytesBetween(1024, 262_144).prefault(65_536),
  sendEventId: z.boolean().prefault(true),
  tokenFile: nonEmptyString().prefault(DEFAULT_SERVICE_ACCOUNT_TOKEN_FILE),
  file: AuditFileConfigSchema.prefault({}),
});
export type AuditConfig = z.infer<typeof AuditConfigSchema>;
