import { AUDIT_EVENT_FIELD } from './stream-keys.js';

export interface StreamEntry {
  id: string;
  /** Undefined when the entry was deleted while still pending (Redis then returns no fields). */
  event: string | undefined;
}

function eventField(fields: unknown): string | undefined {
  if (!Array.isArray(fields)) return undefined;
  for (let index = 0; index + 1 < fields.length; index += 2) {
    if (fields[index] === AUDIT_EVENT_FIELD) return String(fields[index + 1]);
  }
  return undefined;
}

/** `[[id, [field, value, …] | null], …]`, the entry list of XREADGROUP, XCLAIM and XAUTOCLAIM replies. */
export function toStreamEntries(entries: unknown): StreamEntry[] {
  if (!Array.isArray(entries)) return [];
  return entries.map((entry: unknown) => {
    const [id, fields] = entry as [unknown, unknown];
    return { id: String(id), event: eventField(fields) };
  });
}

/** XREADGROUP on one stream: `[[key, entries]]`, or null when the block timed out. */
export function entriesOfReadReply(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply)) return [];
  const stream = reply[0] as [unknown, unknown] | undefined;
  return stream ? toStreamEntries(stream[1]) : [];
}
