import { TargetTypeSchema } from '@gateway/contracts';
import { z } from 'zod';
import { durationBetween, integerBetween, nonEmptyString, numberBetween, reject, section } from '../rules.js';

const STRATEGIES = ['default', 'owner', 'similarity'] as const;

/** A list that means nothing empty: the problem says what to put in it. */
const nonEmptyList = <T extends z.ZodType>(item: T, what: string, example: string) =>
  z.array(item).check((ctx) => {
    if (ctx.value.length === 0) reject(ctx, `at least one ${what}`, `write it like ${example}`);
  });

const strategy = () => z.enum(STRATEGIES);

export const FingerprintRuleSchema = section({
  match: section({
    source: nonEmptyString().optional(),
    /** Glob with `*` and `?`. */
    signalName: nonEmptyString().optional(),
    targetType: TargetTypeSchema.optional(),
  }),
  strategy: strategy().optional(),
  extraLabels: z.array(nonEmptyString()).optional(),
});
export type FingerprintRule = z.infer<typeof FingerprintRuleSchema>;

/** Kubernetes API groups (`""` is the core group); no other characters than a DNS subdomain's. */
const apiGroup = () =>
  z.string().check((ctx) => {
    if (!/^[a-z0-9.-]*$/.test(ctx.value)) reject(ctx, 'must be an API group such as apps or ""', 'write it like apps');
  });

export const OwnerConfigSchema = section({
  maxDepth: integerBetween(1, 10).prefault(5),
  lookupTimeout: durationBetween(100, 30_000).prefault('2s'),
  cacheSize: integerBetween(1, 10_000_000).prefault(50_000),
  cacheTtl: durationBetween(1000, 24 * 3_600_000).prefault('5m'),
  negativeCacheTtl: durationBetween(0, 3_600_000).prefault('30s'),
  followGroups: z.array(apiGroup()).prefault(['', 'apps', 'batch']),
  heuristics: z.boolean().prefault(true),
});
export type OwnerConfig = z.infer<typeof OwnerConfigSchema>;

export const SignalClassSchema = section({
  name: nonEmptyString(),
  /** Globs with `*` and `?` over signal names (alert names, Event reasons). */
  signals: nonEmptyList(nonEmptyString(), 'signal name glob', '[KubePodCrashLooping, BackOff]'),
});
export type SignalClass = z.infer<typeof SignalClassSchema>;

export const SignalClassesConfigSchema = section({
  /** Whether the shipped table applies after the configured classes. */
  defaults: z.boolean().prefault(true),
  classes: z.array(SignalClassSchema).prefault([]),
});
export type SignalClassesConfig = z.infer<typeof SignalClassesConfigSchema>;

export const TargetRuleSchema = section({
  name: nonEmptyString(),
  match: section({
    /** Glob over the signal name. */
    signalName: nonEmptyString().optional(),
    /** Glob over the kind of the signal's target (`Unknown` when it has none). */
    targetKind: nonEmptyString().optional(),
    /** Label → glob; every listed label must be present and match. */
    labels: z.record(z.string(), z.string()).optional(),
  }).prefault({}),
  /** Label → kind, in order: the first present, non-empty label names the object measured. */
  objectLabels: nonEmptyList(
    section({ label: nonEmptyString(), kind: nonEmptyString() }),
    '{label, kind} entry',
    '[{label: node, kind: Node}]',
  ),
  /** Labels giving the object's namespace, first present wins; the signal's namespace otherwise. */
  scopeLabels: z.array(nonEmptyString()).prefault([]),
  /** `cluster`: the object has no namespace (a Node, a URL). */
  scope: z.enum(['namespace', 'cluster']).prefault('namespace'),
  /** Labels appended to the identity as `label=value` when present: two filesystems of one node stay apart. */
  qualifierLabels: z.array(nonEmptyString()).prefault([]),
});
export type TargetRule = z.infer<typeof TargetRuleSchema>;

export const TargetRulesConfigSchema = section({
  /** Whether the shipped rules apply after the configured ones. */
  defaults: z.boolean().prefault(true),
  rules: z.array(TargetRuleSchema).prefault([]),
});
export type TargetRulesConfig = z.infer<typeof TargetRulesConfigSchema>;

export const SimilarityAdaptiveConfigSchema = section({
  enabled: z.boolean().prefault(true),
  /** Firings of one signal name before a label key can be judged volatile. */
  minObservations: integerBetween(1, 1_000_000).prefault(100),
  distinctThreshold: integerBetween(1, 1_000_000).prefault(50),
  distinctRatio: numberBetween(0, 1).prefault(0.5),
  /** Label keys that always keep their values, however many they take. */
  protectedLabels: z.array(nonEmptyString()).prefault(['alertname', 'namespace', 'cluster']),
});
export type SimilarityAdaptiveConfig = z.infer<typeof SimilarityAdaptiveConfigSchema>;

export const SimilarityConfigSchema = section({
  /** The strategy whose fingerprint names a new cluster (and dedups in shadow mode). */
  base: z.enum(['default', 'owner']).prefault('default'),
  /** `shadow` computes clusters and metrics but dedups on the base fingerprint. */
  mode: z.enum(['enforce', 'shadow']).prefault('enforce'),
  numHashes: integerBetween(8, 1024).prefault(128),
  bands: integerBetween(1, 1024).prefault(16),
  jaccardThreshold: numberBetween(0.1, 1).prefault(0.8),
  /** `signalName`, `namespace`, `source` or a label key: signals are compared only within equal values. */
  scopeBy: z.array(nonEmptyString()).prefault(['signalName', 'namespace']),
  ignoreLabels: z.array(nonEmptyString()).prefault(['severity', 'prometheus', 'prometheus_replica', 'alertstate']),
  /** Words of the summary and description annotations count as tokens too. */
  includeText: z.boolean().prefault(false),
  maxCandidates: integerBetween(1, 1000).prefault(20),
  ttl: durationBetween(60_000, 30 * 24 * 3_600_000).prefault('24h'),
  adaptive: SimilarityAdaptiveConfigSchema.prefault({}),
}).check((ctx) => {
  const { numHashes, bands } = ctx.value;
  if (numHashes % bands !== 0) {
    const divisors = [8, 16, 32].filter((candidate) => numHashes % candidate === 0).join(' or ');
    reject(
      ctx,
      `must divide numHashes (${numHashes}) evenly`,
      divisors === '' ? 'choose bands that divide numHashes' : `use ${divisors}`,
      { path: ['bands'], value: bands },
    );
  }
});
export type SimilarityConfig = z.infer<typeof SimilarityConfigSchema>;

export const FingerprintConfigSchema = section({
  strategy: strategy().prefault('default'),
  rules: z.array(FingerprintRuleSchema).prefault([]),
  owner: OwnerConfigSchema.prefault({}),
  signalClasses: SignalClassesConfigSchema.prefault({}),
  targetRules: TargetRulesConfigSchema.prefault({}),
  similarity: SimilarityConfigSchema.prefault({}),
});
export type FingerprintConfig = z.infer<typeof FingerprintConfigSchema>;
