import { stringMatching } from '../rules.js';

/** Every cluster id, configured or received (docs/remediation-requests.md#cluster-id). */
export const CLUSTER_ID_PATTERN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export const ClusterIdSchema = stringMatching(
  CLUSTER_ID_PATTERN,
  'must match ^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$',
  'use lowercase letters, digits, "-" and ".", e.g. prod-east',
);
