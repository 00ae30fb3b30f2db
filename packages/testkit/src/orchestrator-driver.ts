import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

/**
 * Stand-in for Kubernaut's Remediation Orchestrator in tests: moves RemediationRequests through phases the way
 * the orchestrator does (status subresource only) and deletes them (cancellation). Test tooling, not product code.
 */
export interface OrchestratorDriver {
  /** Merge-patches status.overallPhase through the status subresource, leaving the gateway's status fields alone. */
  setPhase(name: string, phase: string): Promise<void>;
  /** Merge-patches any orchestrator-owned status fields (e.g. completionStatus) through the status subresource. */
  patchStatus(name: string, status: Record<string, unknown>): Promise<void>;
  delete(name: string): Promise<void>;
}

const GROUP = 'kubernaut.ai';
const VERSION = 'v1alpha1';
const PLURAL = 'remediationrequests';

export function createOrchestratorDriver(kubeconfig: string | KubeConfig, namespace: string): OrchestratorDriver {
  const config = typeof kubeconfig === 'string' ? loadKubeconfig(kubeconfig) : kubeconfig;
  const api = config.makeApiClient(CustomObjectsApi);
  // client-node 2 sends JSON Patch by default; a merge patch needs its Content-Type set explicitly.
  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  const patchStatus = async (name: string, status: Record<string, unknown>): Promise<void> => {
    await api.patchNamespacedCustomObjectStatus(
      { group: GROUP, version: VERSION, namespace, plural: PLURAL, name, body: { status } },
      mergePatch,
    );
  };
  return {
    setPhase: (name, phase) => patchStatus(name, { overallPhase: phase }),
    patchStatus,
    async delete(name) {
      await api.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name });
    },
  };
}

function loadKubeconfig(path: string): KubeConfig {
  const config = new KubeConfig();
  config.loadFromFile(path);
  return config;
}
