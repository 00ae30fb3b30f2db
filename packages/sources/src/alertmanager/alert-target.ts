import { isDns1123Label, isDns1123Subdomain } from '../normalize/dns1123.js';
import type { ResourceLabel } from './resource-labels.js';

export interface AlertResource {
  kind: string;
  name: string;
}

/** Kinds that live outside namespaces, so their namespace and fingerprint scope are `""`. */
const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set(['Node', 'PersistentVolume']);

/** Labels that carry the namespace, most specific first: `exported_namespace` survives relabelling by the scraper. */
const NAMESPACE_LABELS = ['exported_namespace', 'namespace'] as const;

const DEFAULT_NAMESPACE = 'default';

export function isClusterScopedKind(kind: string): boolean {
  return CLUSTER_SCOPED_KINDS.has(kind);
}

/** First label in `resourceLabels` order that is present and names a valid object (docs/signals-and-sources.md). */
export function findAlertResource(
  labels: Record<string, string>,
  resourceLabels: readonly ResourceLabel[],
): AlertResource | undefined {
  for (const { label, kind } of resourceLabels) {
    const name = labels[label];
    if (name && isDns1123Subdomain(name)) return { kind, name };
  }
  return undefined;
}

/** Namespace of the alert's target; `default` when none is usable, also for the Unknown placeholder. */
export function alertNamespace(labels: Record<string, string>, kind: string | undefined): string {
  if (kind !== undefined && isClusterScopedKind(kind)) return '';
  for (const label of NAMESPACE_LABELS) {
    const value = labels[label];
    if (value && isDns1123Label(value)) return value;
  }
  return DEFAULT_NAMESPACE;
}
