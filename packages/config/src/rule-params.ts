import { z } from 'zod';

/**
 * What a custom zod issue carries so that a config problem can say more than zod's generic text.
 * `value` is set when the offending value is not the raw input at the issue path (e.g. a default that was filled in).
 */
export const RuleParamsSchema = z.object({
  rule: z.string(),
  suggestion: z.string(),
  value: z.unknown().optional(),
  hasValue: z.boolean().optional(),
});
export type RuleParams = z.infer<typeof RuleParamsSchema>;
