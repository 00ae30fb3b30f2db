/**
 * `error_type` values of Kubernetes outcomes (docs/kubernetes-access.md#error-classification); metric labels and
 * audit use them verbatim.
 */
export const KubeErrorType = {
  alreadyExists: 'already_exists',
  conflict: 'conflict',
  rateLimited: 'rate_limited',
  internalError: 'internal_error',
  badGateway: 'bad_gateway',
  serviceUnavailable: 'service_unavailable',
  gatewayTimeout: 'gateway_timeout',
  unauthorized: 'unauthorized',
  badRequest: 'bad_request',
  forbidden: 'forbidden',
  notFound: 'not_found',
  unprocessableEntity: 'unprocessable_entity',
  timeout: 'timeout',
  networkError: 'network_error',
  circuitOpen: 'circuit_open',
  unknown: 'unknown',
} as const;
export type KubeErrorType = (typeof KubeErrorType)[keyof typeof KubeErrorType];

/** Operation names carried by GatewayError (its `operation` field, also in logs and audit error_details). */
export const KubeOperation = {
  createRemediation: 'rr.create',
  getRemediation: 'rr.get',
  patchRemediationStatus: 'rr.patchStatus',
  /** Metadata of a Pod, ReplicaSet, Job or their owners, for the owner fingerprint strategy. */
  getOwner: 'owner.get',
} as const;
export type KubeOperation = (typeof KubeOperation)[keyof typeof KubeOperation];
