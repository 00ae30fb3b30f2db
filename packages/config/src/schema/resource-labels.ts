import { z } from 'zod';
import { nonEmptyString, reject, section } from '../rules.js';

/** SPEC §5.1: label → Kubernetes kind, in the order an alert's labels are tried. */
export const DEFAULT_RESOURCE_LABELS = [
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
] as const;

export const ResourceLabelSchema = section({ label: nonEmptyString(), kind: nonEmptyString() });
export type ResourceLabel = z.infer<typeof ResourceLabelSchema>;

export const ResourceLabelsSchema = z
  .array(ResourceLabelSchema)
  .check((ctx) => {
    if (ctx.value.length === 0) {
      reject(ctx, 'at least one {label, kind} entry', 'remove the key to use the default list (pod, deployment, …)');
    }
  })
  .prefault(DEFAULT_RESOURCE_LABELS.map((entry) => ({ ...entry })));
