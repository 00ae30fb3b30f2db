import type { Target } from '@gateway/contracts';
import { isDns1123Label, isDns1123Subdomain } from '../normalize/dns1123.js';
import type { ArmResource } from './arm-resource-id.js';
import type { AzureDimension } from './azure-alert.js';

export interface AzureTarget {
  target: Target;
  /** Kubernetes namespace of the target, `""` otherwise. */
  namespace: string;
  /** Cluster id candidate (docs/remediation-requests.md#cluster-id): the AKS cluster of a Kubernetes target. */
  clusterId: string;
}

const AKS_KIND = 'microsoft.containerservice/managedclusters';
/** Dimension names Azure uses for Kubernetes objects (platform metrics and Container insights), compared lowercase. */
const NAMESPACE_DIMENSIONS = ['namespace', 'kubernetes namespace'];
const POD_DIMENSIONS = ['podname', 'pod'];

/** The target is the ARM resource, except an AKS alert whose dimensions name a Kubernetes object. */
export function azureTarget(resource: ArmResource, dimensions: readonly AzureDimension[]): AzureTarget {
  const kubernetes = resource.kind === AKS_KIND ? aksObject(resource.name, dimensions) : undefined;
  return (
    kubernetes ?? {
      target: { type: 'azure', kind: resource.kind, name: resource.name, scope: resource.scope },
      namespace: '',
      clusterId: '',
    }
  );
}

function aksObject(clusterId: string, dimensions: readonly AzureDimension[]): AzureTarget | undefined {
  const byName = new Map<string, string>();
  for (const { name, value } of dimensions) {
    const key = name.toLowerCase();
    if (value !== '' && !byName.has(key)) byName.set(key, value);
  }
  const first = (names: readonly string[]) =>
    names.map((name) => byName.get(name)).find((value) => value !== undefined);
  const namespace = first(NAMESPACE_DIMENSIONS);
  if (namespace !== undefined && isDns1123Label(namespace)) {
    const namespaced = (kind: string, name: string): AzureTarget => ({
      target: { type: 'kubernetes', kind, name, namespace, scope: namespace },
      namespace,
      clusterId,
    });
    const pod = first(POD_DIMENSIONS);
    if (pod !== undefined && isDns1123Subdomain(pod)) return namespaced('Pod', pod);
    const controllerName = byName.get('controllername');
    const controllerKind = byName.get('controllerkind');
    if (controllerName !== undefined && controllerKind !== undefined && isDns1123Subdomain(controllerName)) {
      return namespaced(controllerKind, controllerName);
    }
  }
  const node = byName.get('node');
  if (node !== undefined && isDns1123Subdomain(node)) {
    return { target: { type: 'kubernetes', kind: 'Node', name: node, scope: '' }, namespace: '', clusterId };
  }
  return undefined;
}
