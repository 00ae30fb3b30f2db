import type { SignalStatus } from '@gateway/contracts';

/**
 * `$ALERT_TRANSITION` → status. Anything that is neither a recovery nor No Data is a (re)notification
 * of an active problem, so new Datadog transition names fire rather than vanish.
 */
export function datadogTransitionStatus(transition: string): SignalStatus | 'no-data' {
  if (transition === 'Recovered') return 'resolved';
  if (transition === 'No Data' || transition === 'Re-No Data') return 'no-data';
  return 'firing';
}
