export { type BuildRemediationRequestInput, buildRemediationRequest } from './build-remediation-request.js';
export { isClusterScopedKind } from './cluster-scoped-kinds.js';
