import { z } from 'zod';
import { nonEmptyString, reject, section, stringMatching } from '../rules.js';
import { CLUSTER_ID_PATTERN, ClusterIdSchema } from './cluster-id.js';

export const ClusterRouteSchema = section({
  id: ClusterIdSchema,
  /** A kubeconfig context; whether it exists is checked by the worker, which owns the kubeconfig. */
  context: nonEmptyString(),
  namespace: stringMatching(
    /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
    'must be a DNS-1123 label',
    'e.g. kubernaut-system',
  ).optional(),
});
export type ClusterRoute = z.infer<typeof ClusterRouteSchema>;

/** SPEC §12. */
export const MultiClusterConfigSchema = section({
  enabled: z.boolean().prefault(false),
  routing: z.enum(['hub', 'per-cluster']).prefault('hub'),
  clusters: z.array(ClusterRouteSchema).prefault([]),
  clusterLabel: nonEmptyString().prefault('cluster'),
  defaultClusterId: z
    .string()
    .check((ctx) => {
      // "" means the local cluster (SPEC §12.1), so it is valid although not a cluster id.
      if (ctx.value !== '' && !CLUSTER_ID_PATTERN.test(ctx.value)) {
        reject(
          ctx,
          'must be "" or match ^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$',
          'use lowercase letters, digits, "-" and ".", e.g. prod-east',
        );
      }
    })
    .prefault(''),
  dedupScope: z.enum(['cluster', 'global']).prefault('cluster'),
  unknownCluster: z.enum(['reject', 'hub']).prefault('reject'),
}).check((ctx) => {
  const { enabled, routing, clusters } = ctx.value;
  if (enabled && routing === 'per-cluster' && clusters.length === 0) {
    reject(ctx, 'at least one cluster when routing is per-cluster', 'add {id, context} for each cluster', {
      path: ['clusters'],
      value: clusters,
    });
  }
  const seen = new Set<string>();
  clusters.forEach((cluster, index) => {
    if (seen.has(cluster.id))
      reject(ctx, 'cluster ids must be unique', 'remove the duplicate entry', { path: ['clusters', index, 'id'] });
    seen.add(cluster.id);
  });
});
export type MultiClusterConfig = z.infer<typeof MultiClusterConfigSchema>;
