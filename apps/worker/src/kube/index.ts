export {
  BreakerState,
  type CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitBreakerSettings,
  createCircuitBreaker,
  DEFAULT_CIRCUIT_BREAKER_SETTINGS,
  type ProbeResult,
} from './circuit-breaker.js';
export { classifyKubeError } from './classify-error.js';
export type { HoldTerminalOptions, WindowFacts } from './hold-terminal.js';
export { KubeErrorType, KubeOperation } from './kube-error-type.js';
export { createOwnerLookup, type OwnerLookupOptions } from './owner-lookup.js';
export { createRemediationClient, type KubeClientHooks, type RemediationClientOptions } from './remediation-client.js';
export {
  createRemediationIndex,
  type IndexLogger,
  type ManagedRemediationIndex,
  type RemediationIndexOptions,
} from './remediation-index.js';
export { createRemediationProbe, type RemediationProbeOptions } from './remediation-probe.js';
export { backoffDelayMs, DEFAULT_RETRY_POLICY, type RetryHooks, type RetryPolicy, withRetry } from './retry-policy.js';
export { reuseKubeDispatchers } from './reuse-dispatchers.js';
export { isWindowClosed } from './window-closed.js';
