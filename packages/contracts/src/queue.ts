import { z } from 'zod';
import { NormalizedSignalSchema } from './normalized-signal.js';

/** BullMQ queue that carries one job per signal; job id = signalId, job name = source name. */
export const SIGNAL_QUEUE_NAME = 'signals';

export const DEFAULT_QUEUE_PREFIX = 'gateway';

export const SignalJobSchema = z.object({
  signal: NormalizedSignalSchema,
  enqueuedAt: z.string(),
  /** W3C trace context of the ingress request, so the worker span links to it. */
  trace: z.record(z.string(), z.string()),
});
export type SignalJob = z.infer<typeof SignalJobSchema>;
