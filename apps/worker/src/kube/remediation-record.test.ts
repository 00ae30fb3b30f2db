import { sampleRemediationRequest } from '@gateway/testkit';
import { describe, expect, it } from 'vitest';
import { dropHeavyFields, type RemediationWireObject, toRemediationRecord } from './remediation-record.js';

function wire(status?: Record<string, unknown>, annotations?: Record<string, string>): RemediationWireObject {
  const rr = sampleRemediationRequest({ name: 'rr-aaaaaaaaaaaa-00000001', ...(status ? { status } : {}) });
  return { ...rr, metadata: { ...rr.metadata, ...(annotations ? { annotations } : {}) } } as RemediationWireObject;
}

describe('toRemediationRecord', () => {
  it('keeps the fields dedup reads', () => {
    const record = toRemediationRecord(
      wire(
        {
          overallPhase: 'Failed',
          deduplication: {
            firstSeenAt: '2025-01-02T03:00:00.000Z',
            lastSeenAt: '2025-01-02T03:01:00.000Z',
            occurrenceCount: 9,
          },
          completionStatus: { outcome: 'ManualReviewRequired' },
          routingStatus: { nextAllowedExecution: '2025-01-02T04:00:00Z' },
        },
        { 'kubernaut.ai/dedup-window-seq': '4' },
      ),
    );
    expect(record).toEqual({
      name: 'rr-aaaaaaaaaaaa-00000001',
      namespace: 'kubernaut-system',
      fingerprint: expect.stringMatching(/^[a-f0-9]{64}$/),
      phase: 'Failed',
      seq: 4,
      firstSeenAt: '2025-01-02T03:00:00.000Z',
      occurrenceCount: 9,
      manualReviewRequired: true,
      nextAllowedExecutionMs: Date.parse('2025-01-02T04:00:00Z'),
    });
  });

  it('defaults phase to empty and seq to 0 when status and annotation are absent or malformed', () => {
    expect(toRemediationRecord(wire())).toMatchObject({
      phase: '',
      seq: 0,
      manualReviewRequired: false,
      nextAllowedExecutionMs: undefined,
    });
    expect(toRemediationRecord(wire(undefined, { 'kubernaut.ai/dedup-window-seq': 'x' }))?.seq).toBe(0);
  });

  it('ignores objects without a fingerprint', () => {
    const obj = wire();
    delete obj.spec?.signalFingerprint;
    expect(toRemediationRecord(obj)).toBeUndefined();
  });
});

describe('dropHeavyFields', () => {
  it('removes payloads, label maps and managed fields but keeps what the record needs', () => {
    const obj = wire({ overallPhase: 'Pending' });
    const before = toRemediationRecord(obj);
    dropHeavyFields(obj);
    expect(obj.spec).not.toHaveProperty('originalPayload');
    expect(obj.spec).not.toHaveProperty('providerData');
    expect(obj.spec).not.toHaveProperty('signalLabels');
    expect(obj.spec).not.toHaveProperty('signalAnnotations');
    expect(toRemediationRecord(obj)).toEqual(before);
  });
});
