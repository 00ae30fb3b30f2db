import { v5 as uuidV5 } from 'uuid';

/** Namespace of every gateway `event_id` (docs/audit.md#event-catalogue), shared with Kubernaut's gateway. */
export const AUDIT_EVENT_ID_NAMESPACE = 'ff6a432c-cc27-5c26-91da-950dda0fea4e';

/**
 * The idempotency key of an event: derived from what the decision was about, never random, so that a
 * retried job or a redelivered batch carries the same id and Data Storage can recognise the repeat.
 */
export function auditEventId(name: string): string {
  return uuidV5(name, AUDIT_EVENT_ID_NAMESPACE);
}
