import {
  type NormalizedSignal,
  RemediationRequestSpecSchema,
  remediationRequestName,
  sha256Hex,
} from '@gateway/contracts';
import { sampleSignal } from '@gateway/testkit';
import { describe, expect, it } from 'vitest';
import { buildRemediationRequest } from './build-remediation-request.js';

const fingerprint = sha256Hex('HighMemoryUsage:prod:Pod:api-7f9c');
const now = new Date('2025-01-02T03:04:05.678Z');

function signal(overrides: Partial<NormalizedSignal> = {}): NormalizedSignal {
  return sampleSignal(1, {
    signalId: '01936f0e-0000-7000-8000-000000000001',
    requestId: 'req-1',
    signalName: 'HighMemoryUsage',
    target: { type: 'kubernetes', kind: 'Pod', name: 'api-7f9c', namespace: 'prod', apiVersion: 'v1', scope: 'prod' },
    firingTime: '2025-01-02T03:00:00Z',
    receivedTime: '2025-01-02T03:04:05.000Z',
    labels: { alertname: 'HighMemoryUsage', namespace: 'prod' },
    annotations: { summary: 'memory high' },
    providerData: { namespace: 'prod', resource: { kind: 'Pod', name: 'api-7f9c' } },
    originalPayload: { version: '4', alerts: [{ status: 'firing' }] },
    ...overrides,
  });
}

function build(overrides: Partial<NormalizedSignal> = {}, seq = 1) {
  return buildRemediationRequest({
    signal: signal(overrides),
    fingerprint,
    seq,
    namespace: 'kubernaut-system',
    strategy: 'default',
    now,
  });
}

describe('buildRemediationRequest', () => {
  it('names the object per window and carries the gateway labels and annotations', () => {
    const rr = build({}, 2);
    expect(rr.apiVersion).toBe('kubernaut.ai/v1alpha1');
    expect(rr.kind).toBe('RemediationRequest');
    expect(rr.metadata).toEqual({
      name: remediationRequestName(fingerprint, 2),
      namespace: 'kubernaut-system',
      labels: { 'app.kubernetes.io/managed-by': 'gateway-service', 'app.kubernetes.io/component': 'remediation' },
      annotations: {
        'kubernaut.ai/created-at': '2025-01-02T03:04:05.678Z',
        'kubernaut.ai/dedup-window-seq': '2',
        'kubernaut.ai/fingerprint-strategy': 'default',
      },
    });
  });

  it('fills every spec field from the signal when the target is a namespaced Kubernetes resource', () => {
    const rr = build();
    expect(rr.spec).toEqual({
      signalFingerprint: fingerprint,
      signalName: 'HighMemoryUsage',
      severity: 'critical',
      signalType: 'alert',
      signalSource: 'prometheus',
      targetType: 'kubernetes',
      targetResource: { kind: 'Pod', name: 'api-7f9c', namespace: 'prod', apiVersion: 'v1' },
      firingTime: '2025-01-02T03:00:00.000Z',
      receivedTime: '2025-01-02T03:04:05.000Z',
      signalLabels: { alertname: 'HighMemoryUsage', namespace: 'prod' },
      signalAnnotations: { summary: 'memory high' },
      providerData: '{"namespace":"prod","resource":{"kind":"Pod","name":"api-7f9c"}}',
      originalPayload: '{"version":"4","alerts":[{"status":"firing"}]}',
    });
    expect(RemediationRequestSpecSchema.safeParse(rr.spec).success).toBe(true);
  });

  it.each(['Node', 'PersistentVolume', 'Namespace', 'ClusterRole', 'StorageClass'])(
    'omits the namespace of cluster-scoped kind %s',
    (kind) => {
      const rr = build({ target: { type: 'kubernetes', kind, name: 'x', namespace: 'prod', scope: 'prod' } });
      expect(rr.spec.targetResource).toEqual({ kind, name: 'x' });
    },
  );

  it('omits the namespace and keeps the provider kind for non-Kubernetes targets', () => {
    const rr = build({
      namespace: '',
      target: {
        type: 'aws',
        kind: 'AWS::EC2::Instance',
        name: 'i-0abc',
        namespace: 'ignored',
        scope: '123456789012/eu-west-1',
      },
    });
    expect(rr.spec.targetType).toBe('aws');
    expect(rr.spec.targetResource).toEqual({ kind: 'AWS::EC2::Instance', name: 'i-0abc' });
  });

  it('uses the Unknown placeholder target when the signal has none', () => {
    const rr = build({ target: undefined });
    expect(rr.spec.targetType).toBe('kubernetes');
    expect(rr.spec.targetResource).toEqual({ kind: 'Unknown', name: 'unknown', namespace: 'prod' });
  });

  it('omits apiVersion when unknown and clusterID when the cluster id is empty', () => {
    const rr = build({
      target: { type: 'kubernetes', kind: 'Deployment', name: 'api', namespace: 'prod', scope: 'prod' },
    });
    expect(rr.spec.targetResource).toEqual({ kind: 'Deployment', name: 'api', namespace: 'prod' });
    expect('clusterID' in rr.spec).toBe(false);
  });

  it('sets clusterID for a signal from another cluster, as hub routing needs', () => {
    const input = {
      signal: signal({ clusterId: 'edge-1' }),
      fingerprint,
      seq: 1,
      namespace: 'ns',
      strategy: 'default',
      now,
    };
    expect(buildRemediationRequest(input).spec.clusterID).toBe('edge-1');
  });

  it('writes times in the canonical millisecond UTC form whatever offset the source used', () => {
    const rr = build({ firingTime: '2025-01-02T05:00:00.123456+0200', receivedTime: '2025-01-02T03:04:05Z' });
    expect(rr.spec.firingTime).toBe('2025-01-02T03:00:00.123Z');
    expect(rr.spec.receivedTime).toBe('2025-01-02T03:04:05.000Z');
  });

  it('does not share label maps with the signal', () => {
    const source = signal();
    const rr = buildRemediationRequest({
      signal: source,
      fingerprint,
      seq: 1,
      namespace: 'ns',
      strategy: 'owner',
      now,
    });
    source.labels.extra = 'later';
    expect(rr.spec.signalLabels).not.toHaveProperty('extra');
    expect(rr.metadata.annotations?.['kubernaut.ai/fingerprint-strategy']).toBe('owner');
  });

  it("names the owner in targetResource and records the signal's own object and the evidence in providerData", () => {
    const rr = buildRemediationRequest({
      signal: signal(),
      fingerprint,
      seq: 1,
      namespace: 'ns',
      strategy: 'owner',
      evidence: {
        identity: { kind: 'Deployment', name: 'api', scope: 'prod' },
        ownerResolution: 'heuristic',
        ownerChain: ['Pod/api-7f9c', 'Deployment/api'],
        signalClass: 'pod-unhealthy',
        resource: { kind: 'Deployment', name: 'api', namespace: 'prod' },
      },
      now,
    });
    expect(rr.spec.targetResource).toEqual({ kind: 'Deployment', name: 'api', namespace: 'prod' });
    expect(JSON.parse(rr.spec.providerData ?? '{}')).toEqual({
      namespace: 'prod',
      resource: { kind: 'Pod', name: 'api-7f9c' },
      fingerprintStrategy: 'owner',
      ownerResolution: 'heuristic',
      ownerChain: ['Pod/api-7f9c', 'Deployment/api'],
      signalResource: { kind: 'Pod', name: 'api-7f9c', namespace: 'prod', apiVersion: 'v1' },
      signalClass: 'pod-unhealthy',
    });
    expect(RemediationRequestSpecSchema.safeParse(rr.spec).success).toBe(true);
  });

  it('leaves providerData as the source made it under the default strategy', () => {
    const rr = buildRemediationRequest({
      signal: signal(),
      fingerprint,
      seq: 1,
      namespace: 'ns',
      strategy: 'default',
      evidence: { identity: { kind: 'Pod', name: 'api-7f9c', scope: 'prod' } },
      now,
    });
    expect(JSON.parse(rr.spec.providerData ?? '{}')).toEqual({
      namespace: 'prod',
      resource: { kind: 'Pod', name: 'api-7f9c' },
    });
  });
});
