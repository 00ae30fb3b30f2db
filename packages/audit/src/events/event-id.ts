import { createHash } from 'node:crypto';

/** Namespace of every gateway `event_id` (docs/audit.md#event-catalogue), shared with Kubernaut's gateway. */
export const AUDIT_EVENT_ID_NAMESPACE = 'ff6a432c-cc27-5c26-91da-950dda0fea4e';

const NAMESPACE_BYTES = Buffer.from(AUDIT_EVENT_ID_NAMESPACE.replaceAll('-', ''), 'hex');

/** The variant nibble `10xx` for each hex digit the hash put there. */
const VARIANT = '89ab89ab89ab89ab';

/**
 * The idempotency key of an event: derived from what the decision was about, never random, so that a
 * retried job or a redelivered batch carries the same id and Data Storage can recognise the repeat.
 *
 * RFC 9562 UUIDv5, computed here rather than with `uuid`, whose JS UTF-8 conversion and formatting showed in
 * worker profiles; native hex plus slicing is the cheapest form. Identical to `uuid`'s v5 for every well-formed
 * string; a lone surrogate (which `uuid` refuses with a URIError) is hashed as U+FFFD.
 */
export function auditEventId(name: string): string {
  const hex = createHash('sha1').update(NAMESPACE_BYTES).update(name, 'utf8').digest('hex');
  return (
    `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-` +
    `${VARIANT[Number.parseInt(hex[16]!, 16)]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
  );
}
