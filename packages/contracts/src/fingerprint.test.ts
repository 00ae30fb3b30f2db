import { describe, expect, it } from 'vitest';
import { computeFingerprint, fingerprintInput } from './fingerprint.js';
import { remediationRequestName } from './remediation-request.js';

describe('fingerprint', () => {
  it('reproduces the worked example of an Alertmanager alert without resource labels', () => {
    const parts = { signalName: 'InstanceDown', target: { kind: 'Unknown', name: 'unknown', scope: 'default' } };
    expect(fingerprintInput(parts)).toBe('InstanceDown:default:Unknown:unknown');
    const fp = computeFingerprint(parts);
    expect(fp).toBe('c35a9758b42c79da1195b4ef5385959b4396863bac184f5c86b5f77d5f1d0d5e');
    expect(remediationRequestName(fp, 1)).toBe('rr-c35a9758b42c-423a5916');
    expect(remediationRequestName(fp, 2)).toBe('rr-c35a9758b42c-cd24aa18');
  });

  it('prefixes the cluster id when asked', () => {
    const fp = computeFingerprint({
      signalName: 'InstanceDown',
      target: { kind: 'Unknown', name: 'unknown', scope: 'default' },
      clusterPrefix: 'prod-east',
    });
    expect(fp).toBe('06fbe8da61e6887b51b85191f036f90c11042d5dd09cbc93cf3b715570b81212');
  });

  it('uses the mapped input of a custom source verbatim', () => {
    expect(computeFingerprint({ signalName: 'x', fingerprintInput: 'pagerduty:samplekeyhere' })).toBe(
      '9084a98af6cffef3a877cf6bed0abc5689311d4f9f34c0401ab71d3445720e49',
    );
  });

  it('reproduces the Kubernetes BackOff worked example', () => {
    const fp = computeFingerprint({
      signalName: 'BackOff',
      target: { kind: 'Pod', name: 'memory-hog-77bc84f698-8ddlj', scope: 'chq-demo-apps' },
    });
    expect(fp).toBe('88d94ba53731e40e709440d05b49aed5dac4447872b3e01569c61f62a2384c93');
    expect(remediationRequestName(fp, 1)).toBe('rr-88d94ba53731-68db3bc3');
  });
});
