import { GatewayError } from '@gateway/contracts';
import { type ObjectRef, type OwnerLookup, OwnerLookupUnavailable, type OwnerRef } from '@gateway/fingerprint';
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  type KubeConfig,
  setHeaderOptions,
  type V1ObjectMeta,
} from '@kubernetes/client-node';
import type { CircuitBreaker } from './circuit-breaker.js';
import { classifyKubeError } from './classify-error.js';
import { KubeErrorType, KubeOperation } from './kube-error-type.js';
import { requestOptions } from './request-options.js';

/** Metadata only: the API server leaves out spec and status, so a lookup costs a few hundred bytes. */
const PARTIAL_OBJECT_METADATA = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

type Read = (name: string, namespace: string, signal: AbortSignal) => Promise<{ metadata?: V1ObjectMeta }>;

export interface OwnerLookupOptions {
  /** The breaker of the hub cluster: an owner lookup is one more call to the same API. */
  breaker: CircuitBreaker;
  /** Cluster ids whose objects this KubeConfig reaches (`""` and the default cluster id); others have no client. */
  isLocalCluster(clusterId: string): boolean;
  onRequest?(operation: string, code: string, durationMs: number): void;
}

const UNAVAILABLE_REASONS: Readonly<Record<string, OwnerLookupUnavailable['reason']>> = {
  [KubeErrorType.notFound]: 'not-found',
  [KubeErrorType.forbidden]: 'forbidden',
  [KubeErrorType.unauthorized]: 'forbidden',
  [KubeErrorType.timeout]: 'timeout',
  [KubeErrorType.circuitOpen]: 'circuit-open',
};

/**
 * Controller owners read from the hub cluster's API (docs/kubernetes-access.md#owner-lookups): one metadata-only
 * GET per object, no retries (the name heuristics stand in when it fails, and the fingerprinter caches the
 * failure), cancelled at `owner.lookupTimeout`, through the circuit breaker so an API outage fails fast.
 */
export function createOwnerLookup(kubeConfig: KubeConfig, options: OwnerLookupOptions): OwnerLookup {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  const metadataOnly = (signal: AbortSignal) =>
    setHeaderOptions('Accept', PARTIAL_OBJECT_METADATA, requestOptions(signal));
  const readers: Readonly<Record<string, Read>> = {
    'v1/Pod': (name, namespace, signal) => core.readNamespacedPod({ name, namespace }, metadataOnly(signal)),
    'apps/v1/ReplicaSet': (name, namespace, signal) =>
      apps.readNamespacedReplicaSet({ name, namespace }, metadataOnly(signal)),
    'apps/v1/Deployment': (name, namespace, signal) =>
      apps.readNamespacedDeployment({ name, namespace }, metadataOnly(signal)),
    'apps/v1/StatefulSet': (name, namespace, signal) =>
      apps.readNamespacedStatefulSet({ name, namespace }, metadataOnly(signal)),
    'apps/v1/DaemonSet': (name, namespace, signal) =>
      apps.readNamespacedDaemonSet({ name, namespace }, metadataOnly(signal)),
    'batch/v1/Job': (name, namespace, signal) => batch.readNamespacedJob({ name, namespace }, metadataOnly(signal)),
    'batch/v1/CronJob': (name, namespace, signal) =>
      batch.readNamespacedCronJob({ name, namespace }, metadataOnly(signal)),
  };

  return {
    async controllerOf(ref: ObjectRef, _atMs: number, lookupOptions?: { timeoutMs: number }): Promise<OwnerRef | null> {
      if (!options.isLocalCluster(ref.clusterId)) {
        throw new OwnerLookupUnavailable('no-client', `no Kubernetes client for cluster ${ref.clusterId}`);
      }
      const read = readers[`${ref.apiVersion ?? ''}/${ref.kind}`];
      if (!read) {
        // The worker's RBAC grants get on these kinds only: asking for another would be refused anyway.
        throw new OwnerLookupUnavailable('forbidden', `owner lookups do not read ${ref.apiVersion} ${ref.kind}`);
      }
      const signal = AbortSignal.timeout(lookupOptions?.timeoutMs ?? 2000);
      let metadata: V1ObjectMeta | undefined;
      try {
        metadata = await options.breaker.execute(KubeOperation.getOwner, async () => {
          const started = performance.now();
          try {
            const object = await read(ref.name, ref.namespace, signal);
            options.onRequest?.(KubeOperation.getOwner, '200', performance.now() - started);
            return object.metadata;
          } catch (thrown) {
            const error = classifyKubeError(thrown, KubeOperation.getOwner);
            options.onRequest?.(
              KubeOperation.getOwner,
              error.httpStatus === undefined ? error.errorType : String(error.httpStatus),
              performance.now() - started,
            );
            throw error;
          }
        });
      } catch (error) {
        const errorType = error instanceof GatewayError ? error.errorType : KubeErrorType.unknown;
        throw new OwnerLookupUnavailable(
          UNAVAILABLE_REASONS[errorType] ?? 'error',
          `${ref.kind} ${ref.namespace}/${ref.name}: ${errorType}`,
          { cause: error },
        );
      }
      const controller = metadata?.ownerReferences?.find((owner) => owner.controller === true);
      return controller ? { apiVersion: controller.apiVersion, kind: controller.kind, name: controller.name } : null;
    },
  };
}
