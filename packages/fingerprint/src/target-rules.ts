import type { TargetRuleSettings } from './fingerprinter.js';
import { globMatches } from './glob-match.js';

/** The object a kube-state-metrics series describes, by the label kube-state-metrics gives it. */
const KUBE_STATE_METRICS_OBJECTS = [
  { label: 'exported_pod', kind: 'Pod' },
  { label: 'deployment', kind: 'Deployment' },
  { label: 'statefulset', kind: 'StatefulSet' },
  { label: 'daemonset', kind: 'DaemonSet' },
  { label: 'replicaset', kind: 'ReplicaSet' },
  { label: 'job_name', kind: 'Job' },
  { label: 'cronjob', kind: 'CronJob' },
  { label: 'persistentvolumeclaim', kind: 'PersistentVolumeClaim' },
  { label: 'horizontalpodautoscaler', kind: 'HorizontalPodAutoscaler' },
  { label: 'resourcequota', kind: 'ResourceQuota' },
  { label: 'persistentvolume', kind: 'PersistentVolume' },
  { label: 'node', kind: 'Node' },
] as const;

const NODE_EXPORTER_OBJECTS = [
  { label: 'node', kind: 'Node' },
  { label: 'instance', kind: 'Instance' },
] as const;

/** Mount points, devices and network interfaces of one node are different things to fix. */
const NODE_QUALIFIERS = ['mountpoint', 'device'] as const;

/**
 * The shipped rules (`fingerprint.targetRules.defaults`), tried after the configured ones; first match wins
 * (docs/fingerprints-and-windows.md#target-rules). The exporter rules come first: an exporter pod's `pod` label wins
 * the source's resource-label order, so without them every node-exporter alert of a cluster names one pod.
 */
export const DEFAULT_TARGET_RULES: readonly TargetRuleSettings[] = [
  {
    name: 'node-exporter',
    match: { labels: { pod: '*node-exporter*' } },
    objectLabels: NODE_EXPORTER_OBJECTS,
    scopeLabels: [],
    scope: 'cluster',
    qualifierLabels: NODE_QUALIFIERS,
  },
  {
    name: 'node-exporter-job',
    match: { labels: { job: '*node-exporter*' } },
    objectLabels: NODE_EXPORTER_OBJECTS,
    scopeLabels: [],
    scope: 'cluster',
    qualifierLabels: NODE_QUALIFIERS,
  },
  {
    name: 'kube-state-metrics',
    match: { labels: { pod: '*kube-state-metrics*' } },
    objectLabels: KUBE_STATE_METRICS_OBJECTS,
    scopeLabels: ['exported_namespace', 'namespace'],
    scope: 'namespace',
    qualifierLabels: ['resource'],
  },
  {
    name: 'persistent-volume',
    match: { targetKind: 'Unknown', labels: { persistentvolume: '*' } },
    objectLabels: [{ label: 'persistentvolume', kind: 'PersistentVolume' }],
    scopeLabels: [],
    scope: 'cluster',
    qualifierLabels: [],
  },
  {
    name: 'resource-quota',
    match: { labels: { resourcequota: '*' } },
    objectLabels: [{ label: 'resourcequota', kind: 'ResourceQuota' }],
    scopeLabels: ['exported_namespace', 'namespace'],
    scope: 'namespace',
    qualifierLabels: ['resource'],
  },
  {
    name: 'probed-url',
    match: { targetKind: 'Unknown', labels: { instance: '*://*' } },
    objectLabels: [{ label: 'instance', kind: 'URL' }],
    scopeLabels: [],
    scope: 'cluster',
    qualifierLabels: [],
  },
  {
    name: 'scrape-instance',
    match: { targetKind: 'Unknown', labels: { instance: '*' } },
    objectLabels: [{ label: 'instance', kind: 'Instance' }],
    scopeLabels: [],
    scope: 'cluster',
    qualifierLabels: ['job'],
  },
];

/** Kinds without a namespace: a rule naming one of them scopes it to the cluster whatever its scope labels say. */
const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set(['Node', 'PersistentVolume', 'Namespace', 'StorageClass']);

/** Kinds a rule can name that are Kubernetes objects, so the RR's `targetResource` can point at them. */
export const KUBERNETES_KINDS: ReadonlySet<string> = new Set([
  ...CLUSTER_SCOPED_KINDS,
  'Pod',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'CronJob',
  'PersistentVolumeClaim',
  'HorizontalPodAutoscaler',
  'ResourceQuota',
  'Service',
]);

export interface RuleTarget {
  kind: string;
  name: string;
  scope: string;
}

export interface NamedByRule {
  rule: string;
  identity: RuleTarget;
  /** `label=value` of each present qualifier label, in rule order. */
  qualifiers: string[];
}

const present = (labels: Readonly<Record<string, string>>, label: string): string | undefined => {
  const value = labels[label];
  return value === undefined || value === '' ? undefined : value;
};

function ruleMatches(
  rule: TargetRuleSettings,
  signalName: string,
  target: RuleTarget,
  labels: Readonly<Record<string, string>>,
): boolean {
  const { match } = rule;
  if (match.signalName !== undefined && !globMatches(match.signalName, signalName)) return false;
  if (match.targetKind !== undefined && !globMatches(match.targetKind, target.kind)) return false;
  for (const [label, glob] of Object.entries(match.labels ?? {})) {
    const value = labels[label];
    if (value === undefined || !globMatches(glob, value)) return false;
  }
  return true;
}

/**
 * The object the signal measures, by the first rule that matches and finds one of its object labels; undefined
 * when none does (the target stays the signal's own).
 */
export function nameByTargetRules(
  rules: readonly TargetRuleSettings[],
  signalName: string,
  target: RuleTarget,
  labels: Readonly<Record<string, string>>,
): NamedByRule | undefined {
  for (const rule of rules) {
    if (!ruleMatches(rule, signalName, target, labels)) continue;
    const object = rule.objectLabels.find(({ label }) => present(labels, label) !== undefined);
    if (!object) continue;
    const scopeLabel = rule.scopeLabels.find((label) => present(labels, label) !== undefined);
    const scope =
      rule.scope === 'cluster' || CLUSTER_SCOPED_KINDS.has(object.kind)
        ? ''
        : scopeLabel === undefined
          ? target.scope
          : (present(labels, scopeLabel) ?? '');
    const qualifiers = rule.qualifierLabels.flatMap((label) => {
      const value = present(labels, label);
      return value === undefined ? [] : [`${label}=${value}`];
    });
    return {
      rule: rule.name,
      identity: { kind: object.kind, name: present(labels, object.label) ?? '', scope },
      qualifiers,
    };
  }
  return undefined;
}
