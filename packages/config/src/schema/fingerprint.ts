import { TargetTypeSchema } from '@gateway/contracts';
import { z } from 'zod';
import { notSupported, onlyDefaultSupported } from '../not-supported.js';
import { nonEmptyString, section } from '../rules.js';

const STRATEGIES = ['default', 'owner', 'similarity'] as const;

export const FingerprintRuleSchema = section({
  match: section({
    source: nonEmptyString().optional(),
    /** Glob with `*` and `?`. */
    signalName: nonEmptyString().optional(),
    targetType: TargetTypeSchema.optional(),
  }),
  strategy: notSupported('fingerprinting'),
  extraLabels: z.array(nonEmptyString()).optional(),
});
export type FingerprintRule = z.infer<typeof FingerprintRuleSchema>;

export const FingerprintConfigSchema = section({
  strategy: onlyDefaultSupported(STRATEGIES, 'default', 'fingerprinting'),
  rules: z.array(FingerprintRuleSchema).prefault([]),
  owner: notSupported('fingerprinting'),
  similarity: notSupported('fingerprinting'),
});
export type FingerprintConfig = z.infer<typeof FingerprintConfigSchema>;
