import { TargetTypeSchema } from '@gateway/contracts';
import { z } from 'zod';
import { durationBetween, integerBetween, nonEmptyString, numberBetween, reject, section } from '../rules.js';

const HOUR_MS = 3_600_000;

export const FingerprintStrategySchema = z.enum(['default', 'owner', 'similarity']);
export type FingerprintStrategy = z.infer<typeof FingerprintStrategySchema>;

export const FingerprintRuleSchema = section({
  match: section({
    source: nonEmptyString().optional(),
    /** Glob with `*` and `?`. */
    signalName: nonEmptyString().optional(),
    targetType: TargetTypeSchema.optional(),
  }),
  strategy: FingerprintStrategySchema.optional(),
  extraLabels: z.array(nonEmptyString()).optional(),
});
export type FingerprintRule = z.infer<typeof FingerprintRuleSchema>;

export const OwnerStrategyConfigSchema = section({
  maxDepth: integerBetween(1, 10).prefault(5),
  lookupTimeout: durationBetween(100, 30_000).prefault('2s'),
  cacheSize: integerBetween(1, 10_000_000).prefault(50_000),
  cacheTtl: durationBetween(1000, 24 * HOUR_MS).prefault('5m'),
  negativeCacheTtl: durationBetween(1000, 24 * HOUR_MS).prefault('30s'),
  followGroups: z.array(z.string()).prefault(['', 'apps', 'batch']),
  heuristics: z.boolean().prefault(true),
});
export type OwnerStrategyConfig = z.infer<typeof OwnerStrategyConfigSchema>;

export const AdaptiveMaskingConfigSchema = section({
  enabled: z.boolean().prefault(true),
  minObservations: integerBetween(1, 100_000_000).prefault(100),
  distinctThreshold: integerBetween(1, 100_000_000).prefault(50),
  distinctRatio: numberBetween(0, 1).prefault(0.5),
  protectedLabels: z.array(nonEmptyString()).prefault(['alertname', 'namespace', 'cluster']),
});
export type AdaptiveMaskingConfig = z.infer<typeof AdaptiveMaskingConfigSchema>;

export const SimilarityStrategyConfigSchema = section({
  base: z.enum(['default', 'owner']).prefault('default'),
  mode: z.enum(['enforce', 'shadow']).prefault('enforce'),
  numHashes: integerBetween(1, 1024).prefault(128),
  bands: integerBetween(1, 1024).prefault(16),
  jaccardThreshold: numberBetween(0.1, 1).prefault(0.8),
  scopeBy: z.array(z.enum(['signalName', 'namespace', 'source'])).prefault(['signalName', 'namespace']),
  ignoreLabels: z.array(nonEmptyString()).prefault(['severity', 'prometheus', 'prometheus_replica', 'alertstate']),
  includeText: z.boolean().prefault(false),
  maxCandidates: integerBetween(1, 1000).prefault(20),
  ttl: durationBetween(60_000, 30 * 24 * HOUR_MS).prefault('24h'),
  adaptive: AdaptiveMaskingConfigSchema.prefault({}),
}).check((ctx) => {
  const { numHashes, bands } = ctx.value;
  // LSH splits the signature into equal bands of rows (SPEC §6.5 step 6).
  if (numHashes % bands !== 0) {
    const divisors = [4, 8, 16, 32, 64].filter((candidate) => numHashes % candidate === 0);
    reject(
      ctx,
      `must divide fingerprint.similarity.numHashes (${numHashes})`,
      divisors.length > 0 ? `use one of ${divisors.join(', ')}` : 'make numHashes a multiple of bands, e.g. 128 and 16',
      { path: ['bands'] },
    );
  }
});
export type SimilarityStrategyConfig = z.infer<typeof SimilarityStrategyConfigSchema>;

export const FingerprintConfigSchema = section({
  strategy: FingerprintStrategySchema.prefault('default'),
  rules: z.array(FingerprintRuleSchema).prefault([]),
  owner: OwnerStrategyConfigSchema.prefault({}),
  similarity: SimilarityStrategyConfigSchema.prefault({}),
});
export type FingerprintConfig = z.infer<typeof FingerprintConfigSchema>;
