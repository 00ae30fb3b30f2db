import type { Target } from '@gateway/contracts';
import { isDns1123Label, isDns1123Subdomain } from '../normalize/dns1123.js';
import { truncateChars } from '../normalize/text-limits.js';

/** Kubernetes tags of the Datadog agent, most specific first (docs/signals-and-sources.md#datadog). */
const WORKLOAD_TAGS = [
  ['pod_name', 'Pod'],
  ['kube_deployment', 'Deployment'],
  ['kube_stateful_set', 'StatefulSet'],
  ['kube_daemon_set', 'DaemonSet'],
  ['kube_cronjob', 'CronJob'],
  ['kube_job', 'Job'],
  ['kube_service', 'Service'],
] as const;

/** Target names share the CRD's 253-character limit; host names are not DNS-checked because they are not objects. */
const TARGET_NAME_MAX_CHARS = 253;

export interface DatadogTargetInput {
  tags: Readonly<Record<string, string>>;
  hostname: string;
  monitorId: string;
  orgId: string;
}

/**
 * Kubernetes objects the agent tagged come first; otherwise the host, otherwise the monitor itself, scoped by
 * the Datadog org so that two orgs' monitors never share a fingerprint.
 */
export function datadogTarget({ tags, hostname, monitorId, orgId }: DatadogTargetInput): Target {
  const namespace = tags.kube_namespace;
  if (namespace !== undefined && isDns1123Label(namespace)) {
    for (const [tag, kind] of WORKLOAD_TAGS) {
      const name = tags[tag];
      if (name !== undefined && isDns1123Subdomain(name)) {
        return { type: 'kubernetes', kind, name, namespace, scope: namespace };
      }
    }
  }
  const node = tags.kube_node;
  if (node !== undefined && isDns1123Subdomain(node))
    return { type: 'kubernetes', kind: 'Node', name: node, scope: '' };
  const host = hostname || tags.host;
  if (host) return { type: 'datadog', kind: 'Host', name: truncateChars(host, TARGET_NAME_MAX_CHARS), scope: orgId };
  return { type: 'datadog', kind: 'Monitor', name: monitorId, scope: orgId };
}
