import type { ConfigSnapshot } from './config-runtime.js';
import type { ConfigProblem } from './problems.js';

/** The configuration part of a `/readyz` body, shared by ingress and worker. */
export interface ReadinessConfigDetail {
  /** Restart-only keys the configuration changed since the process started; they apply at the next restart. */
  restartRequired: string[];
  /** Present while the last reload candidate was rejected: one `path: rule` line per problem. */
  configProblems?: string[];
}

/**
 * Configuration warnings stay out, since `/readyz` is unauthenticated and they describe credentials; problem lines
 * carry paths and rules, with secret values already redacted.
 */
export function readinessConfigDetail(
  snapshot: ConfigSnapshot,
  rejected: readonly ConfigProblem[] = [],
): ReadinessConfigDetail {
  return {
    restartRequired: [...snapshot.restartRequired],
    ...(rejected.length > 0 ? { configProblems: rejected.map((problem) => problem.message) } : {}),
  };
}
