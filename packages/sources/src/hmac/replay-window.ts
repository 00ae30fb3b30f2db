export const REPLAY_MAX_AGE_SECONDS = 300;
export const REPLAY_MAX_FUTURE_SECONDS = 120;

/**
 * The replay window applied to a signed timestamp header: the rejection detail, or undefined inside the window. The
 * window bounds how long a captured, correctly signed request can be replayed.
 */
export function checkTimestampWindow(value: string, nowMs: number): string | undefined {
  const trimmed = value.trim();
  if (!/^[+-]?\d+$/.test(trimmed)) return 'timestamp is not an integer';
  const seconds = Number(trimmed);
  if (seconds < 0) return 'timestamp is negative';
  const ageSeconds = nowMs / 1000 - seconds;
  if (ageSeconds > REPLAY_MAX_AGE_SECONDS) return 'timestamp too old';
  if (-ageSeconds > REPLAY_MAX_FUTURE_SECONDS) return 'timestamp in the future';
  return undefined;
}
