import { formatTimestamp, parseTimestamp } from '@gateway/contracts';
import { describeResult, MappingValueError } from './mapping-value.js';

/** Numbers above this are epoch milliseconds; below, seconds (10^12 ms is September 2001, 10^12 s is far future). */
const EPOCH_MILLIS_THRESHOLD = 1e12;

/** `firingTime`: RFC 3339 text, or an epoch number; absent leaves it to ingress (`receivedTime`). */
export function mappedFiringTime(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') {
    const date = parseTimestamp(value);
    if (date === undefined) {
      throw new MappingValueError('mapping.firingTime: expression returned a string that is not an RFC 3339 timestamp');
    }
    return formatTimestamp(date);
  }
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
    const millis = value > EPOCH_MILLIS_THRESHOLD ? value : value * 1000;
    const date = new Date(Math.trunc(millis));
    if (!Number.isNaN(date.getTime())) return formatTimestamp(date);
  }
  throw new MappingValueError(
    `mapping.firingTime: expression returned ${describeResult(value)}; expected an RFC 3339 string or epoch number`,
  );
}
