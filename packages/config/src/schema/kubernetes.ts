import { DEFAULT_REMEDIATION_NAMESPACE } from '@gateway/contracts';
import { z } from 'zod';
import { formatDurationMs } from '../duration.js';
import { durationBetween, integerBetween, numberBetween, reject, section, stringMatching } from '../rules.js';

export const KubernetesConfigSchema = section({
  remediationNamespace: stringMatching(
    /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
    'must be a DNS-1123 label',
    `use lowercase letters, digits and "-", e.g. ${DEFAULT_REMEDIATION_NAMESPACE}`,
  ).prefault(DEFAULT_REMEDIATION_NAMESPACE),
  requestTimeout: durationBetween(1000, 60_000).prefault('10s'),
});
export type KubernetesConfig = z.infer<typeof KubernetesConfigSchema>;

/** Retries of one Kubernetes call (docs/kubernetes-access.md#retry-policy). */
export const RetryConfigSchema = section({
  maxAttempts: integerBetween(1, 10).prefault(3),
  initialBackoff: durationBetween(0, 5000).prefault('100ms'),
  maxBackoff: durationBetween(0, 30_000).prefault('5s'),
  multiplier: numberBetween(1, 10).prefault(2),
  jitter: numberBetween(0, 1).prefault(0.1),
}).check((ctx) => {
  if (ctx.value.maxBackoff < ctx.value.initialBackoff) {
    reject(
      ctx,
      `must be at least retry.initialBackoff (${formatDurationMs(ctx.value.initialBackoff)})`,
      'raise maxBackoff or lower initialBackoff',
      { path: ['maxBackoff'] },
    );
  }
});
export type RetryConfig = z.infer<typeof RetryConfigSchema>;

/** The per-cluster breaker in front of the Kubernetes API (docs/kubernetes-access.md#circuit-breaker). */
export const CircuitBreakerConfigSchema = section({
  enabled: z.boolean().prefault(true),
  window: durationBetween(1000, 300_000).prefault('10s'),
  minRequests: integerBetween(1, 10_000).prefault(10),
  failureRatio: numberBetween(0.01, 1).prefault(0.5),
  openDuration: durationBetween(1000, 600_000).prefault('30s'),
  halfOpenProbes: integerBetween(1, 100).prefault(3),
  /** While open, one lightweight request every probeInterval; its success half-opens at once. */
  probeInterval: durationBetween(100, 60_000).prefault('1s'),
});
export type CircuitBreakerConfig = z.infer<typeof CircuitBreakerConfigSchema>;
