import type { z } from 'zod';
import { formatDurationMs } from '../duration.js';
import { durationBetween, integerBetween, reject, section } from '../rules.js';

const HOUR_MS = 3_600_000;

export const JobRetryConfigSchema = section({
  initialDelay: durationBetween(100, 60_000).prefault('1s'),
  maxDelay: durationBetween(100, HOUR_MS).prefault('60s'),
}).check((ctx) => {
  if (ctx.value.maxDelay < ctx.value.initialDelay) {
    reject(
      ctx,
      `must be at least queue.jobRetry.initialDelay (${formatDurationMs(ctx.value.initialDelay)})`,
      `raise maxDelay or lower initialDelay`,
      { path: ['maxDelay'] },
    );
  }
});

export const QueueConfigSchema = section({
  highWaterMark: integerBetween(100, 10_000_000).prefault(50_000),
  lowWaterMark: integerBetween(0, 10_000_000).prefault(40_000),
  retryAfterSeconds: integerBetween(1, 300).prefault(5),
  jobRetry: JobRetryConfigSchema.prefault({}),
  failedRetention: durationBetween(HOUR_MS, 90 * 24 * HOUR_MS).prefault('7d'),
}).check((ctx) => {
  const { lowWaterMark, highWaterMark } = ctx.value;
  // Hysteresis needs a gap: equal marks would toggle backpressure on every sample.
  if (lowWaterMark >= highWaterMark) {
    reject(
      ctx,
      `must be below queue.highWaterMark (${highWaterMark})`,
      `use about 80% of highWaterMark, e.g. ${Math.floor(highWaterMark * 0.8)}`,
      { path: ['lowWaterMark'] },
    );
  }
});
export type QueueConfig = z.infer<typeof QueueConfigSchema>;
