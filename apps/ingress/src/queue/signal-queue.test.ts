import type { SignalJob } from '@gateway/contracts';
import { ErrorCode, GatewayError, SIGNAL_BATCH_JOB_VERSION, type SignalBatchJob } from '@gateway/contracts';
import type { Queue } from 'bullmq';
import { describe, expect, it, vi } from 'vitest';
import {
  type BullMqSignalQueueOptions,
  createBullMqSignalQueue,
  DEFAULT_SIGNAL_QUEUE_OPTIONS,
} from './signal-queue.js';

const signalJob = (signalId: string, source = 'prometheus'): SignalJob =>
  ({ signal: { source, signalId }, enqueuedAt: '', trace: {} }) as unknown as SignalJob;
const job = signalJob('sig-1');

type AddQueue = Pick<Queue, 'add'>;

function queueFailingWith(error: unknown): AddQueue {
  return { add: () => Promise.reject(error) };
}

/** Records what would be written; the jobs land at once. */
function recordingQueue(): AddQueue & { added: { name: string; data: unknown; jobId: string | undefined }[] } {
  const added: { name: string; data: unknown; jobId: string | undefined }[] = [];
  return {
    added,
    add: ((name: string, data: unknown, opts?: { jobId?: string }) => {
      added.push({ name, data, jobId: opts?.jobId });
      return Promise.resolve({});
    }) as unknown as AddQueue['add'],
  };
}

const options = (overrides: Partial<BullMqSignalQueueOptions> = {}) => ({
  ...DEFAULT_SIGNAL_QUEUE_OPTIONS,
  ...overrides,
});

async function enqueueError(queue: AddQueue, enqueueTimeoutMs = 1_000): Promise<unknown> {
  const signals = createBullMqSignalQueue(queue, options({ enqueueTimeoutMs }));
  return signals.enqueue([job]).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('signal-queue', () => {
  it('reports connection and Redis failures as redis unavailable', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    for (const cause of [refused, new Error('Connection is closed.')]) {
      const error = await enqueueError(queueFailingWith(cause));
      expect(error).toBeInstanceOf(GatewayError);
      expect(error).toMatchObject({ code: ErrorCode.redisUnavailable, cause });
    }
  });

  it('reports an add that never settles as redis unavailable once the bound passes', async () => {
    const error = await enqueueError({ add: () => new Promise(() => undefined) }, 20);
    expect(error).toMatchObject({ code: ErrorCode.redisUnavailable });
  });

  it('passes faults in the jobs themselves through, since no retry can fix them', async () => {
    const overflow = new RangeError('Maximum call stack size exceeded');
    expect(await enqueueError(queueFailingWith(overflow))).toBe(overflow);
    const bug = new TypeError('cannot read properties of undefined');
    expect(await enqueueError(queueFailingWith(bug))).toBe(bug);
  });

  it('writes the deliveries of one window as one job whose id counts its signals', async () => {
    const queue = recordingQueue();
    const signals = createBullMqSignalQueue(queue, options({ coalesceWindowMs: 50 }));
    await Promise.all([
      signals.enqueue([signalJob('a'), signalJob('b')]),
      signals.enqueue([signalJob('c', 'kubernetes-events')]),
    ]);
    expect(queue.added).toHaveLength(1);
    const [written] = queue.added;
    expect(written?.jobId).toBe('3xa');
    expect(written?.name).toBe('prometheus,kubernetes-events');
    const batch = written?.data as SignalBatchJob;
    expect(batch.version).toBe(SIGNAL_BATCH_JOB_VERSION);
    expect(batch.signals.map((s) => s.signal.signalId)).toEqual(['a', 'b', 'c']);
  });

  it('starts a new job rather than split a delivery once the batch would pass its size', async () => {
    const queue = recordingQueue();
    const signals = createBullMqSignalQueue(queue, options({ coalesceWindowMs: 50, maxSignalsPerJob: 3 }));
    await Promise.all([
      signals.enqueue([signalJob('a'), signalJob('b')]),
      signals.enqueue([signalJob('c'), signalJob('d')]),
      signals.enqueue([signalJob('e'), signalJob('f'), signalJob('g'), signalJob('h')]),
    ]);
    expect(queue.added.map((added) => added.jobId)).toEqual(['2xa', '2xc', '4xe']);
  });

  it('gathers the deliveries that arrive while a batch is being written into the next job', async () => {
    const added: string[] = [];
    const pending: (() => void)[] = [];
    const held: AddQueue = {
      add: ((_name: string, _data: unknown, opts?: { jobId?: string }) => {
        added.push(opts?.jobId ?? '');
        return new Promise<void>((resolve) => pending.push(resolve));
      }) as unknown as AddQueue['add'],
    };
    const signals = createBullMqSignalQueue(held, options({ coalesceWindowMs: 1 }));
    const first = signals.enqueue([signalJob('a')]);
    await vi.waitFor(() => expect(added).toEqual(['1xa']));
    // Three windows pass while the first write is in flight: their deliveries wait for it and then go as one job.
    const later = [signals.enqueue([signalJob('b')])];
    await new Promise((resolve) => setTimeout(resolve, 5));
    later.push(signals.enqueue([signalJob('c')]));
    await new Promise((resolve) => setTimeout(resolve, 5));
    later.push(signals.enqueue([signalJob('d')]));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(added).toEqual(['1xa']);
    pending.shift()?.();
    await first;
    await vi.waitFor(() => expect(added).toEqual(['1xa', '3xb']));
    pending.shift()?.();
    await Promise.all(later);
  });

  it('rejects every delivery of a batch whose write failed', async () => {
    const signals = createBullMqSignalQueue(queueFailingWith(new Error('Connection is closed.')), options());
    const outcomes = await Promise.allSettled([signals.enqueue([signalJob('a')]), signals.enqueue([signalJob('b')])]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
  });
});
