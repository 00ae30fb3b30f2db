import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type NormalizedSignal, sha256Hex } from '@gateway/contracts';
import { createCrdValidator, REFERENCE_CRD_FILE, referencePath, repoRoot, sampleSignal } from '@gateway/testkit';
import { describe, expect, it } from 'vitest';
import { buildRemediationRequest } from './build-remediation-request.js';

const base: NormalizedSignal = sampleSignal(1, {
  signalId: '01936f0e-0000-7000-8000-000000000001',
  requestId: 'req-1',
  severity: 'warning',
  namespace: 'payments',
  target: { type: 'kubernetes', kind: 'Pod', name: 'api-1', namespace: 'payments', scope: 'payments' },
  receivedTime: '2025-01-02T03:04:05.000Z',
  originalPayload: { alerts: [] },
});

const variants: Record<string, Partial<NormalizedSignal>> = {
  'a namespaced pod': {},
  'a node': { namespace: '', target: { type: 'kubernetes', kind: 'Node', name: 'worker-3', scope: '' } },
  'a deployment with apiVersion on a spoke cluster': {
    clusterId: 'edge-eu-1',
    target: {
      type: 'kubernetes',
      kind: 'Deployment',
      name: 'api',
      namespace: 'payments',
      apiVersion: 'apps/v1',
      scope: 'payments',
    },
  },
  'an AWS instance': {
    namespace: '',
    signalSource: 'cloudwatch',
    target: { type: 'aws', kind: 'AWS::EC2::Instance', name: 'i-0abc', scope: '123456789012/eu-west-1' },
    providerData: { region: 'eu-west-1', accountId: '123456789012' },
  },
  'an unresolved target': { target: undefined },
  'an Azure VM with long metadata': {
    target: { type: 'azure', kind: 'Microsoft.Compute/virtualMachines', name: 'vm-1', scope: 'sub/rg' },
    signalName: 'x'.repeat(253),
    severity: 's'.repeat(50),
    annotations: { description: 'd'.repeat(10_000) },
  },
};

const crds = [
  {
    name: 'the reference CRD',
    path: referencePath(REFERENCE_CRD_FILE),
  },
  {
    name: "the project's CRD",
    path: resolve(repoRoot, 'k8s/crds/remediationrequests.kubernaut.ai.yaml'),
  },
];

describe.each(crds)('buildRemediationRequest against $name', ({ path }) => {
  it.each(Object.entries(variants))('builds a valid object for %s', (_, overrides) => {
    const validator = createCrdValidator(readFileSync(path, 'utf8'));
    const rr = buildRemediationRequest({
      signal: { ...base, ...overrides },
      fingerprint: sha256Hex(JSON.stringify(overrides)),
      seq: 7,
      namespace: 'kubernaut-system',
      strategy: 'default',
      now: new Date('2025-01-02T03:04:06.000Z'),
    });
    expect(validator.validate(rr)).toEqual([]);
    expect(validator.prune(rr)).toEqual(rr);
  });

  it('is checked by a validator that rejects a broken object', () => {
    const validator = createCrdValidator(readFileSync(path, 'utf8'));
    const rr = buildRemediationRequest({
      signal: base,
      fingerprint: 'NOT-HEX',
      seq: 1,
      namespace: 'ns',
      strategy: 'default',
      now: new Date(),
    });
    expect(validator.validate(rr)).not.toEqual([]);
  });
});
