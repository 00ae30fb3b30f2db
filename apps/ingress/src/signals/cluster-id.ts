import { CLUSTER_ID_PATTERN } from '@gateway/config';
import type { SignalDraft } from '@gateway/contracts';
import type { IngressSettings } from '../settings/ingress-settings.js';

export interface ClusterIdContext {
  multiCluster: IngressSettings['multiCluster'];
  /** The sending token's `clusterId` binding. */
  boundClusterId: string | undefined;
  /** `X-Cluster-ID`, already validated and allowed for the sending token. */
  headerClusterId: string | undefined;
}

export type ClusterIdResolution =
  | { ok: true; clusterId: string /** The payload named another cluster than the token binding. */; conflict: boolean }
  | { ok: false; message: string };

/** DNS-1123 subdomains are at most 253 characters; longer header values are refused before the pattern runs. */
const MAX_CLUSTER_ID_LENGTH = 253;

export function isValidClusterId(value: string): boolean {
  return value.length <= MAX_CLUSTER_ID_LENGTH && CLUSTER_ID_PATTERN.test(value);
}

function chooseClusterId(draft: SignalDraft, context: ClusterIdContext): ClusterIdResolution {
  const { boundClusterId, headerClusterId, multiCluster } = context;
  if (boundClusterId !== undefined) {
    return {
      ok: true,
      clusterId: boundClusterId,
      conflict: draft.clusterId !== '' && draft.clusterId !== boundClusterId,
    };
  }
  if (headerClusterId !== undefined) return { ok: true, clusterId: headerClusterId, conflict: false };
  const candidate = draft.clusterId;
  if (candidate === '') return { ok: true, clusterId: multiCluster.defaultClusterId, conflict: false };
  if (!isValidClusterId(candidate)) {
    return {
      ok: false,
      message: `cluster id is not a valid DNS-1123 subdomain; fix the ${multiCluster.clusterLabel} label`,
    };
  }
  return { ok: true, clusterId: candidate, conflict: false };
}

/**
 * Cluster id precedence (docs/remediation-requests.md#cluster-id), first applicable wins: token binding,
 * `X-Cluster-ID`, the adapter's candidate, `multiCluster.defaultClusterId`. Disabled multi-cluster derives nothing:
 * every signal is local (`""`).
 */
export function resolveClusterId(draft: SignalDraft, context: ClusterIdContext): ClusterIdResolution {
  if (!context.multiCluster.enabled) return { ok: true, clusterId: '', conflict: false };
  return chooseClusterId(draft, context);
}
