/** Consumer group shared by every worker's shipper: each entry goes to one of them. */
export const AUDIT_CONSUMER_GROUP = 'shippers';

/** Stream field holding the event JSON; the dedup Lua scripts write the same field. */
export const AUDIT_EVENT_FIELD = 'event';

export function auditStreamKey(prefix: string): string {
  return `${prefix}:audit`;
}

/** Events that can never be delivered, kept with the reason for an operator to inspect. */
export function auditDeadStreamKey(prefix: string): string {
  return `${prefix}:audit:dead`;
}
