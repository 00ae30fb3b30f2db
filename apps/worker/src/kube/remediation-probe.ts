import { RR_GROUP, RR_PLURAL, RR_VERSION } from '@gateway/contracts';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { requestOptions } from './request-options.js';

export interface RemediationProbeOptions {
  namespace: string;
  /** Read per probe, so `kubernetes.requestTimeout` reloads. */
  requestTimeoutMs: () => number;
}

/**
 * The breaker's active probe: a one-item list of RemediationRequests in the namespace the worker writes to.
 * It proves what the jobs need (the API answers and the RR resource is served there) at the cost of one
 * object, and bypasses the breaker it is probing for.
 */
export function createRemediationProbe(kubeConfig: KubeConfig, options: RemediationProbeOptions): () => Promise<void> {
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  return async () => {
    await api.listNamespacedCustomObject(
      { group: RR_GROUP, version: RR_VERSION, namespace: options.namespace, plural: RR_PLURAL, limit: 1 },
      requestOptions(AbortSignal.timeout(options.requestTimeoutMs())),
    );
  };
}
