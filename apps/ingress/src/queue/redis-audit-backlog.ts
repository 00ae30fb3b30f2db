import { readAuditBacklog, readAuditBacklogBytes } from '@gateway/audit';
import type { Redis } from 'ioredis';
import type { AuditBacklogSize } from './queue-depth.js';

/** The audit stream under `prefix`: XLEN for entries, sampled MEMORY USAGE for bytes (docs/audit.md#backlog). */
export function redisAuditBacklog(redis: Redis, prefix: string): () => Promise<AuditBacklogSize> {
  return async () => {
    const [backlog, bytes] = await Promise.all([readAuditBacklog(redis, prefix), readAuditBacklogBytes(redis, prefix)]);
    return { entries: backlog.length, bytes };
  };
}
