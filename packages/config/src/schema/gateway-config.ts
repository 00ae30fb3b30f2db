import { z } from 'zod';
import { closestMatch } from '../edit-distance.js';
import { reject, section } from '../rules.js';
import { AuditConfigSchema } from './audit.js';
import { AuthConfigSchema } from './auth.js';
import { DedupConfigSchema } from './dedup.js';
import { FingerprintConfigSchema } from './fingerprint.js';
import { CircuitBreakerConfigSchema, KubernetesConfigSchema, RetryConfigSchema } from './kubernetes.js';
import { MultiClusterConfigSchema } from './multi-cluster.js';
import { LoggingConfigSchema, PluginEntrySchema, ShutdownConfigSchema, TelemetryConfigSchema } from './process.js';
import { QueueConfigSchema } from './queue.js';
import { RateLimitsConfigSchema } from './rate-limit.js';
import { RedisConfigSchema } from './redis.js';
import { ReloadConfigSchema } from './reload.js';
import { ServerConfigSchema, WorkerConfigSchema } from './server.js';
import { SourcesConfigSchema } from './sources.js';

/** The whole configuration document, in its documented order (problems are reported in this order). */
export const GatewayConfigSchema = section({
  server: ServerConfigSchema.prefault({}),
  worker: WorkerConfigSchema.prefault({}),
  redis: RedisConfigSchema.prefault({}),
  queue: QueueConfigSchema.prefault({}),
  auth: AuthConfigSchema.prefault({}),
  rateLimits: RateLimitsConfigSchema.prefault({}),
  sources: SourcesConfigSchema,
  plugins: z.array(PluginEntrySchema).prefault([]),
  fingerprint: FingerprintConfigSchema.prefault({}),
  dedup: DedupConfigSchema.prefault({}),
  kubernetes: KubernetesConfigSchema.prefault({}),
  retry: RetryConfigSchema.prefault({}),
  circuitBreaker: CircuitBreakerConfigSchema.prefault({}),
  multiCluster: MultiClusterConfigSchema.prefault({}),
  audit: AuditConfigSchema.prefault({}),
  logging: LoggingConfigSchema.prefault({}),
  telemetry: TelemetryConfigSchema.prefault({}),
  reload: ReloadConfigSchema.prefault({}),
  shutdown: ShutdownConfigSchema.prefault({}),
}).check((ctx) => {
  // Checked here because token bindings and sources live in different sections.
  const sourceNames = Object.keys(ctx.value.sources);
  ctx.value.auth.tokens.forEach((token, tokenIndex) => {
    if (token.sources === '*') return;
    token.sources.forEach((name, nameIndex) => {
      if (sourceNames.includes(name)) return;
      const close = closestMatch(name, sourceNames);
      reject(
        ctx,
        'must name a configured source or be "*"',
        close ? `did you mean "${close}"?` : `use one of ${sourceNames.join(', ')}`,
        {
          path: ['auth', 'tokens', tokenIndex, 'sources', nameIndex],
        },
      );
    });
  });
});
export type GatewayConfig = z.infer<typeof GatewayConfigSchema>;
export type GatewayConfigInput = z.input<typeof GatewayConfigSchema>;
