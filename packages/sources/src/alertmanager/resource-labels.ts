import { z } from 'zod';

export const ResourceLabelSchema = z.object({
  label: z.string().min(1),
  kind: z.string().min(1).max(253),
});
export type ResourceLabel = z.infer<typeof ResourceLabelSchema>;

/** SPEC §5.1: the first of these labels that names a valid object decides the target. Order matters. */
export const DEFAULT_RESOURCE_LABELS: readonly ResourceLabel[] = [
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
