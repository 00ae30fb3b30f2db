import type { SignalDraft } from '@gateway/contracts';
import type { IngressSettings } from '../settings/ingress-settings.js';

const CLUSTER_ID = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export type ClusterIdResolution = { ok: true; clusterId: string } | { ok: false; message: string };

/**
 * SPEC §12.1 steps 3–4: the adapter's candidate, else `multiCluster.defaultClusterId`. Disabled multi-cluster
 * derives nothing: every signal is local (`""`).
 * Seam: token `clusterId` bindings and the `X-Cluster-ID` header (steps 1–2) are not resolved yet.
 */
export function resolveClusterId(
  draft: SignalDraft,
  multiCluster: IngressSettings['multiCluster'],
): ClusterIdResolution {
  if (!multiCluster.enabled) return { ok: true, clusterId: '' };
  const candidate = draft.clusterId;
  if (candidate === '') return { ok: true, clusterId: multiCluster.defaultClusterId };
  if (!CLUSTER_ID.test(candidate)) {
    return {
      ok: false,
      message: `cluster id is not a valid DNS-1123 subdomain; fix the ${multiCluster.clusterLabel} label`,
    };
  }
  return { ok: true, clusterId: candidate };
}
