import type { NormalizedSignal } from '@gateway/contracts';

/** A firing Alertmanager signal about one pod, as the ingress enqueues it. Test data only. */
export function sampleSignal(n: number, overrides: Partial<NormalizedSignal> = {}): NormalizedSignal {
  return {
    signalId: `signal-${n}`,
    requestId: `request-${n}`,
    index: 0,
    source: 'prometheus',
    sourceType: 'alertmanager',
    signalSource: 'prometheus',
    status: 'firing',
    signalName: 'KubePodCrashLooping',
    severity: 'critical',
    namespace: 'prod',
    target: { type: 'kubernetes', kind: 'Pod', name: `api-${n}`, namespace: 'prod', scope: 'prod' },
    clusterId: '',
    firingTime: '2025-01-02T03:00:00.000Z',
    receivedTime: '2025-01-02T03:00:01.000Z',
    labels: { alertname: 'KubePodCrashLooping' },
    annotations: {},
    providerData: {},
    originalPayload: {},
    deliveryKey: null,
    fingerprintInput: null,
    principal: { type: 'token', id: 'ci' },
    clientIp: '127.0.0.1',
    configHash: 'abcdefabcdef',
    ...overrides,
  };
}
