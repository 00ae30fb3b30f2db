import { createHash } from 'node:crypto';

export interface SampleRemediationRequestOptions {
  name?: string;
  namespace?: string;
  /** Hashed into a valid 64-hex fingerprint, so tests can name problems instead of writing hashes. */
  problem?: string;
  labels?: Record<string, string>;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

/**
 * A RemediationRequest shaped like the gateway writes it (docs/remediation-requests.md), valid against both CRDs.
 * Test data only.
 */
export function sampleRemediationRequest(options: SampleRemediationRequestOptions = {}): Record<string, unknown> & {
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: Record<string, unknown>;
} {
  const fingerprint = createHash('sha256')
    .update(options.problem ?? options.name ?? 'KubePodCrashLooping:prod:Pod:api-0')
    .digest('hex');
  const name = options.name ?? `rr-${fingerprint.slice(0, 12)}-00000001`;
  return {
    apiVersion: 'kubernaut.ai/v1alpha1',
    kind: 'RemediationRequest',
    metadata: {
      name,
      namespace: options.namespace ?? 'kubernaut-system',
      labels: {
        'app.kubernetes.io/managed-by': 'gateway-service',
        'app.kubernetes.io/component': 'remediation',
        ...options.labels,
      },
    },
    spec: {
      signalFingerprint: fingerprint,
      signalName: 'KubePodCrashLooping',
      severity: 'critical',
      signalType: 'alert',
      signalSource: 'prometheus',
      targetType: 'kubernetes',
      targetResource: { kind: 'Pod', name: 'api-0', namespace: 'prod', apiVersion: 'v1' },
      firingTime: '2026-01-02T03:04:05Z',
      receivedTime: '2026-01-02T03:04:06.123Z',
      signalLabels: { alertname: 'KubePodCrashLooping', namespace: 'prod' },
      signalAnnotations: { summary: 'pod restarts' },
      providerData: '{"namespace":"prod"}',
      originalPayload: '{"status":"firing"}',
      ...options.spec,
    },
    ...(options.status ? { status: options.status } : {}),
  };
}
