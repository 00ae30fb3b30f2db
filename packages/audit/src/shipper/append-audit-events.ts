import type { Redis } from 'ioredis';
import type { AuditEvent } from '../events/audit-event-types.js';
import { AUDIT_EVENT_FIELD, auditStreamKey } from './stream-keys.js';

/**
 * For producers outside the dedup Lua scripts (config reloads, resolved signals). The events are written in
 * one transaction, so a batch of events for one decision is either all in the stream or none of it.
 * Returns the stream ids.
 */
export async function appendAuditEvents(
  redis: Redis,
  prefix: string,
  events: readonly AuditEvent[],
): Promise<string[]> {
  if (events.length === 0) return [];
  const key = auditStreamKey(prefix);
  const transaction = redis.multi();
  for (const event of events) transaction.xadd(key, '*', AUDIT_EVENT_FIELD, JSON.stringify(event));
  const replies = (await transaction.exec()) ?? [];
  return replies.map(([error, id]) => {
    if (error) throw error;
    return String(id);
  });
}
