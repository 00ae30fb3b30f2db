import type { SignalStatus, Target } from '@gateway/contracts';
import type { CommonSourceSettings } from '../source-definition.js';

export type UnresolvedTargetOutcome =
  /** Kubernaut (Dec 2025) placeholder; the caller counts it in `stats.unresolvedTargets`. */
  | { action: 'accept'; target: Target }
  /** Resolved items may lack a target, so `reject` leaves them targetless instead of dropping them. */
  | { action: 'omit' }
  | { action: 'reject' };

export function unknownKubernetesTarget(scope: string): Target {
  return { type: 'kubernetes', kind: 'Unknown', name: 'unknown', scope };
}

/** What to do with an item that names no usable resource. */
export function handleUnresolvedTarget(
  status: SignalStatus,
  settings: Pick<CommonSourceSettings, 'unresolvedTarget'>,
  scope: string,
): UnresolvedTargetOutcome {
  if (settings.unresolvedTarget === 'accept') return { action: 'accept', target: unknownKubernetesTarget(scope) };
  return status === 'resolved' ? { action: 'omit' } : { action: 'reject' };
}
