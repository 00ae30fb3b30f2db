import type { SignalJob } from '@gateway/contracts';
import { ErrorCode, GatewayError } from '@gateway/contracts';
import type { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { createBullMqSignalQueue, DEFAULT_SIGNAL_QUEUE_OPTIONS } from './signal-queue.js';

const job = { signal: { source: 'prometheus', signalId: 'sig-1' }, enqueuedAt: '', trace: {} } as unknown as SignalJob;

function queueFailingWith(error: unknown): Pick<Queue, 'addBulk'> {
  return { addBulk: () => Promise.reject(error) };
}

async function enqueueError(queue: Pick<Queue, 'addBulk'>, enqueueTimeoutMs = 1_000): Promise<unknown> {
  const signals = createBullMqSignalQueue(queue, { ...DEFAULT_SIGNAL_QUEUE_OPTIONS, enqueueTimeoutMs });
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

  it('reports an addBulk that never settles as redis unavailable once the bound passes', async () => {
    const error = await enqueueError({ addBulk: () => new Promise(() => undefined) }, 20);
    expect(error).toMatchObject({ code: ErrorCode.redisUnavailable });
  });

  it('passes faults in the jobs themselves through, since no retry can fix them', async () => {
    const overflow = new RangeError('Maximum call stack size exceeded');
    expect(await enqueueError(queueFailingWith(overflow))).toBe(overflow);
    const bug = new TypeError('cannot read properties of undefined');
    expect(await enqueueError(queueFailingWith(bug))).toBe(bug);
  });
});
