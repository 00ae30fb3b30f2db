import { formatTimestamp, parseTimestamp } from '@gateway/contracts';

/**
 * The gateway's own timestamp form, or undefined for zero/unparsable values so that ingress falls back to
 * `receivedTime` as the signal's `firingTime`.
 */
export function normalizeTimestamp(value: unknown): string | undefined {
  const date = parseTimestamp(value);
  return date ? formatTimestamp(date) : undefined;
}
