export const REPLAY_MAX_AGE_SECONDS = 300;
export const REPLAY_MAX_FUTURE_SECONDS = 120;

/**
 * The `X-Timestamp` replay window (docs/security.md#replay-window): returns the rejection detail, or undefined when the
 * request may proceed. Only the X-Timestamp header counts; body timestamps are the sender's view of the alert, not of
 * the delivery.
 */
export function checkReplayWindow(header: string | undefined, nowMs: number, required: boolean): string | undefined {
  if (header === undefined) return required ? 'missing X-Timestamp header' : undefined;
  const value = header.trim();
  if (!/^[+-]?\d+$/.test(value)) return 'timestamp is not an integer';
  const seconds = Number(value);
  if (seconds < 0) return 'timestamp is negative';
  const ageSeconds = nowMs / 1000 - seconds;
  if (ageSeconds > REPLAY_MAX_AGE_SECONDS) return 'timestamp too old';
  if (-ageSeconds > REPLAY_MAX_FUTURE_SECONDS) return 'timestamp in the future';
  return undefined;
}
