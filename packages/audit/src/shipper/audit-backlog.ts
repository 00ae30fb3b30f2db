import type { Redis } from 'ioredis';
import { auditStreamKey } from './stream-keys.js';

export interface AuditBacklog {
  /** Entries not yet delivered, pending ones included (delivered entries are deleted). */
  length: number;
  /** Age of the oldest undelivered entry; 0 when the stream is empty. */
  oldestPendingAgeMs: number;
}

/** The millisecond part of a stream id is the time Redis appended the entry. */
function appendedAtMs(entryId: string): number {
  return Number(entryId.split('-', 1)[0]);
}

export async function readAuditBacklog(
  redis: Redis,
  prefix: string,
  nowMs: number = Date.now(),
): Promise<AuditBacklog> {
  const key = auditStreamKey(prefix);
  const [length, oldest] = await Promise.all([redis.xlen(key), redis.xrange(key, '-', '+', 'COUNT', 1)]);
  const oldestId = oldest[0]?.[0];
  return { length, oldestPendingAgeMs: oldestId === undefined ? 0 : Math.max(0, nowMs - appendedAtMs(oldestId)) };
}

/**
 * Memory the audit stream takes in Redis, for `audit.maxBacklogBytes` backpressure. Sampled (MEMORY USAGE
 * with a few entries), because an exact count walks the whole stream.
 */
export async function readAuditBacklogBytes(redis: Redis, prefix: string, samples = 5): Promise<number> {
  const bytes = await redis.memory('USAGE', auditStreamKey(prefix), 'SAMPLES', samples);
  return bytes ?? 0;
}
