import { z } from 'zod';
import { NormalizedSignalSchema } from './normalized-signal.js';

/** BullMQ queue that carries the signals; see SignalBatchJobSchema for what one job holds. */
export const SIGNAL_QUEUE_NAME = 'signals';

export const DEFAULT_QUEUE_PREFIX = 'gateway';

/** One signal as the queue carries it. Version 1 jobs (one signal per job, job id = signalId) hold exactly this. */
export const SignalJobSchema = z.object({
  signal: NormalizedSignalSchema,
  enqueuedAt: z.string(),
  /** W3C trace context of the ingress request, so the worker span links to it. */
  trace: z.record(z.string(), z.string()),
});
export type SignalJob = z.infer<typeof SignalJobSchema>;

export const SIGNAL_BATCH_JOB_VERSION = 2;

/**
 * Version 2 job: the signals of every request the ingress coalesced into one job. The signals of one request are
 * always in the same job. The worker keeps its own bookkeeping beside `signals` (ids already decided, runs parked
 * at the open breaker), so only the fields below belong to the contract.
 */
export const SignalBatchJobSchema = z.object({
  version: z.literal(SIGNAL_BATCH_JOB_VERSION),
  signals: z.array(SignalJobSchema).min(1),
});
export type SignalBatchJob = z.infer<typeof SignalBatchJobSchema>;

/**
 * Job id of a batch: its signal count, `x`, and its first signal's id. The count in the id lets the ingress sum the
 * queued signals from the queue's id lists alone; an id without it (a version 1 job) counts as one signal.
 */
export function signalBatchJobId(batch: SignalBatchJob): string {
  return `${batch.signals.length}x${batch.signals[0]?.signal.signalId ?? ''}`;
}

/** What a job of the signal queue holds, whichever version wrote it. */
export const SignalQueueJobSchema = z.union([SignalBatchJobSchema, SignalJobSchema]);
export type SignalQueueJob = z.infer<typeof SignalQueueJobSchema>;

export function signalsOfJob(job: SignalQueueJob): SignalJob[] {
  return 'signals' in job ? job.signals : [job];
}

/** The states the queue depth is reported in; waiting, prioritized and delayed make the backlog. */
export const QUEUE_DEPTH_STATES = ['waiting', 'prioritized', 'delayed', 'active', 'failed'] as const;
export type QueueDepthState = (typeof QUEUE_DEPTH_STATES)[number];
export type QueueCounts = Record<QueueDepthState, number>;

export interface QueueDepthSample {
  jobs: QueueCounts;
  signals: QueueCounts;
  /** When the job next in line in the waiting list was added (ms since the epoch); undefined when none waits. */
  oldestWaitingAddedAt: number | undefined;
}

/** The BullMQ keys behind each state, in the order the script below reads them. */
const STATE_KEYS: readonly [QueueDepthState, string][] = [
  ['waiting', 'wait'],
  ['waiting', 'paused'],
  ['prioritized', 'prioritized'],
  ['delayed', 'delayed'],
  ['active', 'active'],
  ['failed', 'failed'],
];

/**
 * For each key, its job count and the signals those jobs hold, read from the job ids alone (the count before `x`,
 * see signalBatchJobId; any other id is one signal). One script, so the states are read at one instant; its cost
 * grows with the jobs listed, which the backpressure gate bounds for the backlog.
 *
 * Last comes the `timestamp` of the job at the right end of the wait list (KEYS[1]), 0 when there is none: BullMQ
 * pushes new jobs on the left and workers take from the right, so that job is the oldest added and the next one
 * taken. Only a retried or stalled job re-enters out of order, and it is not older for long. The prioritized set is
 * not read: the gateway never gives a job a priority.
 */
const COUNT_SIGNALS_SCRIPT = `
local result = {}
for i, key in ipairs(KEYS) do
  local kind = redis.call('TYPE', key)['ok']
  local ids = {}
  if kind == 'list' then ids = redis.call('LRANGE', key, 0, -1)
  elseif kind == 'zset' then ids = redis.call('ZRANGE', key, 0, -1) end
  local signals = 0
  for _, id in ipairs(ids) do signals = signals + (tonumber(string.match(id, '^(%d+)x')) or 1) end
  result[2 * i - 1] = #ids
  result[2 * i] = signals
end
local oldest = 0
local head = redis.call('LINDEX', KEYS[1], -1)
if head then oldest = tonumber(redis.call('HGET', ARGV[1] .. head, 'timestamp')) or 0 end
result[2 * #KEYS + 1] = oldest
return result
`;

/** The one Redis call the depth sample needs; an ioredis client has it. */
export interface ScriptRunner {
  eval(script: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
}

const emptyCounts = (): QueueCounts => ({ waiting: 0, prioritized: 0, delayed: 0, active: 0, failed: 0 });

/**
 * Jobs and signals of the signal queue by state and when the oldest waiting job was added, in one round trip
 * (docs/queue-and-backpressure.md#backpressure).
 */
export async function sampleQueueDepth(redis: ScriptRunner, prefix: string): Promise<QueueDepthSample> {
  const queueKey = `${prefix}:${SIGNAL_QUEUE_NAME}:`;
  const keys = STATE_KEYS.map(([, key]) => `${queueKey}${key}`);
  const reply = await redis.eval(COUNT_SIGNALS_SCRIPT, keys.length, ...keys, queueKey);
  const numbers = Array.isArray(reply) ? reply.map(Number) : [];
  const jobs = emptyCounts();
  const signals = emptyCounts();
  STATE_KEYS.forEach(([state], i) => {
    jobs[state] += numbers[2 * i] ?? 0;
    signals[state] += numbers[2 * i + 1] ?? 0;
  });
  const oldest = numbers[2 * STATE_KEYS.length] ?? 0;
  return { jobs, signals, oldestWaitingAddedAt: oldest > 0 ? oldest : undefined };
}
