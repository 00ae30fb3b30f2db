import { z } from 'zod';
import { linearRegExpProblem } from '../regex/linear-regexp.js';

export const DEFAULT_CERT_HOST_PATTERN = '^sns\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?$';

const HOUR_MS = 3_600_000;

/** Matched against hosts taken from request bodies, so it must run on the linear engine (RE2 syntax). */
const RegexSource = z.string().check((ctx) => {
  const problem = linearRegExpProblem(ctx.value);
  if (problem !== undefined) ctx.issues.push({ code: 'custom', input: ctx.value, message: problem });
});

/**
 * CloudWatch source keys (docs/signals-and-sources.md#aws-cloudwatch-alarms-via-sns); `caFile` and `resolve` let tests
 * serve SNS certificates from loopback.
 */
export const CloudwatchOptionsSchema = z.object({
  topicArns: z.array(z.string().min(1)).default(() => []),
  autoConfirmSubscriptions: z.boolean().default(true),
  /** Milliseconds; SNS gives up on a message after at most an hour of retries. */
  maxMessageAge: z.number().int().min(60_000).max(HOUR_MS).default(HOUR_MS),
  certHostPattern: RegexSource.default(DEFAULT_CERT_HOST_PATTERN),
  insufficientData: z.enum(['ignore', 'firing', 'resolved']).default('ignore'),
  caFile: z.string().min(1).optional(),
  resolve: z.record(z.string(), z.string().min(1)).optional(),
});
export type CloudwatchOptions = z.infer<typeof CloudwatchOptionsSchema>;
