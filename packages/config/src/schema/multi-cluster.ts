import { z } from 'zod';
import { notSupported, onlyDefaultSupported } from '../not-supported.js';
import { nonEmptyString, reject, section } from '../rules.js';
import { CLUSTER_ID_PATTERN } from './cluster-id.js';

/** Only hub routing is built: every RR goes to the hub, labelled with its cluster. */
export const MultiClusterConfigSchema = section({
  enabled: z.boolean().prefault(false),
  routing: onlyDefaultSupported(['hub', 'per-cluster'], 'hub', 'multiCluster'),
  clusters: notSupported('multiCluster'),
  clusterLabel: nonEmptyString().prefault('cluster'),
  defaultClusterId: z
    .string()
    .check((ctx) => {
      // "" means the local cluster, so it is valid although not a cluster id.
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
  unknownCluster: notSupported('multiCluster'),
});
export type MultiClusterConfig = z.infer<typeof MultiClusterConfigSchema>;
