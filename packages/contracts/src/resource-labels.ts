/**
 * Alert label → Kubernetes kind, in the order an alert's labels are tried; the first present,
 * valid one decides the target. Shared by the source adapters and the configuration defaults.
 */
export const DEFAULT_RESOURCE_LABELS: readonly { readonly label: string; readonly kind: string }[] = [
  { label: 'pod', kind: 'Pod' },
  { label: 'deployment', kind: 'Deployment' },
  { label: 'statefulset', kind: 'StatefulSet' },
  { label: 'daemonset', kind: 'DaemonSet' },
  { label: 'replicaset', kind: 'ReplicaSet' },
  { label: 'job_name', kind: 'Job' },
  { label: 'cronjob', kind: 'CronJob' },
  { label: 'persistentvolumeclaim', kind: 'PersistentVolumeClaim' },
  { label: 'horizontalpodautoscaler', kind: 'HorizontalPodAutoscaler' },
  { label: 'node', kind: 'Node' },
  { label: 'persistentvolume', kind: 'PersistentVolume' },
  { label: 'service', kind: 'Service' },
];
