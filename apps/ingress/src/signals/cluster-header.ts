import { ProblemError, RejectReason } from '../http/problem.js';
import type { IngressSettings, TokenCredential } from '../settings/ingress-settings.js';
import { isValidClusterId } from './cluster-id.js';

/**
 * Cluster id precedence, second source: `X-Cluster-ID` counts only for tokens with `allowClusterHeader`; anyone else
 * sending it is refused rather than ignored, so a misconfigured sender learns why its cluster is not applied. Ignored
 * entirely when multi-cluster is off.
 */
export function readClusterHeader(
  settings: IngressSettings,
  token: TokenCredential | undefined,
  header: string | undefined,
): string | undefined {
  if (!settings.multiCluster.enabled || header === undefined) return undefined;
  if (token?.allowClusterHeader !== true) {
    throw new ProblemError(
      'forbidden',
      'X-Cluster-ID is not allowed for this sender; remove the header or set allowClusterHeader on its token',
      { reason: RejectReason.forbidden },
    );
  }
  const value = header.trim();
  if (!isValidClusterId(value)) {
    throw new ProblemError(
      'validation-error',
      'X-Cluster-ID must match ^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$, e.g. prod-east',
      { reason: RejectReason.malformed },
    );
  }
  return value;
}
