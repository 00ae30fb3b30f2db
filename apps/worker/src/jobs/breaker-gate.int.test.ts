import { createTestRedis, deleteKeysWithPrefix, uniquePrefix, waitFor } from '@gateway/testkit';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BreakerState } from '../kube/circuit-breaker.js';
import { createBreakerGate } from './breaker-gate.js';

describe('breaker gate', () => {
  let redis: Redis;
  let prefix: string;
  let queue: Queue;
  let worker: Worker;
  const errors: unknown[] = [];

  beforeEach(() => {
    redis = createTestRedis({ maxRetriesPerRequest: null });
    prefix = uniquePrefix('breaker-gate');
    queue = new Queue('signals', { connection: redis, prefix });
    worker = new Worker('signals', async () => 'done', { connection: redis, prefix, autorun: false });
  });

  afterEach(async () => {
    await worker.close();
    await queue.close();
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
    errors.length = 0;
  });

  const gateFor = () =>
    createBreakerGate({ worker, promoteDelayed: () => queue.promoteJobs(), onError: (err) => errors.push(err) });

  it('pauses the worker while open, resumes it at half-open and runs delayed jobs at once when closed', async () => {
    const gate = gateFor();
    void worker.run();
    await waitFor(() => worker.isRunning(), { timeoutMs: 5000, description: 'the worker to run' });
    gate(BreakerState.open);
    expect(worker.isPaused()).toBe(true);
    // A job backing off from the outage: without promotion it would wait an hour.
    const job = await queue.add('alertmanager', {}, { delay: 3_600_000 });
    gate(BreakerState.halfOpen);
    expect(worker.isPaused()).toBe(false);
    expect(await job.getState()).toBe('delayed');
    gate(BreakerState.closed);
    await waitFor(async () => (await job.getState()) === 'completed', {
      timeoutMs: 10_000,
      description: 'the delayed job to be promoted and run',
    });
    expect(errors).toEqual([]);
  });

  it('leaves a worker that has not started alone', async () => {
    const gate = gateFor();
    gate(BreakerState.open);
    gate(BreakerState.closed);
    expect(worker.isRunning()).toBe(false);
    expect(worker.isPaused()).toBe(false);
    expect(errors).toEqual([]);
  });
});
