import type { Queue } from 'bullmq';
import type { QueueCounts } from './queue-depth.js';

/** One Redis round trip for every state the depth gauge reports. */
export function bullMqQueueCounts(queue: Pick<Queue, 'getJobCounts'>): () => Promise<QueueCounts> {
  return async () => {
    const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'failed');
    return {
      waiting: counts.waiting ?? 0,
      prioritized: counts.prioritized ?? 0,
      delayed: counts.delayed ?? 0,
      active: counts.active ?? 0,
      failed: counts.failed ?? 0,
    };
  };
}
