import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createCrdValidator } from './crd-validator.js';
import { parseCrdDefinition, projectCrdPath } from './kube-sandbox/crd-definition.js';
import { sampleRemediationRequest } from './kube-sandbox/sample-remediation-request.js';
import { REFERENCE_CRD_FILE, referencePath } from './test-data.js';

const crds = [
  { label: 'project CRD', text: () => readFileSync(projectCrdPath(), 'utf8') },
  { label: 'reference CRD', text: () => readFileSync(referencePath(REFERENCE_CRD_FILE), 'utf8') },
];

type Rr = ReturnType<typeof sampleRemediationRequest>;
const withSpec = (spec: Record<string, unknown>): Rr => sampleRemediationRequest({ spec });

describe('crd-validator', () => {
  for (const crd of crds) {
    describe(crd.label, () => {
      const validator = createCrdValidator(crd.text());

      it('accepts an RR shaped like the gateway writes it', () => {
        expect(validator.validate(sampleRemediationRequest())).toEqual([]);
      });

      it('accepts status written by the gateway and the orchestrator', () => {
        const rr = sampleRemediationRequest({
          status: {
            overallPhase: 'Processing',
            deduplication: {
              firstSeenAt: '2026-01-02T03:04:05Z',
              lastSeenAt: '2026-01-02T03:05:05+02:00',
              occurrenceCount: 7,
            },
          },
        });
        expect(validator.validate(rr)).toEqual([]);
      });

      it('accepts optional spec fields left out', () => {
        const rr = sampleRemediationRequest();
        for (const key of [
          'signalSource',
          'clusterID',
          'signalLabels',
          'signalAnnotations',
          'providerData',
          'originalPayload',
        ]) {
          delete rr.spec[key];
        }
        rr.spec.targetResource = { kind: 'Node', name: 'node-1' };
        expect(validator.validate(rr)).toEqual([]);
      });

      it('accepts values at the documented bounds', () => {
        const rr = withSpec({
          signalName: 'n'.repeat(253),
          severity: 's'.repeat(50),
          signalSource: 'p'.repeat(63),
          clusterID: 'c'.repeat(253),
          firingTime: '2026-12-31T23:59:59.999999+14:00',
          receivedTime: '2026-02-28t00:00:00z',
          signalLabels: {},
          targetType: 'datadog',
          targetResource: { kind: 'Host', name: 'ünïcode-host' },
        });
        expect(validator.validate(rr)).toEqual([]);
      });

      it('reports a fingerprint that does not match the pattern like the API server', () => {
        expect(validator.validate(withSpec({ signalFingerprint: 'xyz' }))).toContain(
          `spec.signalFingerprint: Invalid value: "xyz": spec.signalFingerprint in body should match '^[a-f0-9]{64}$'`,
        );
      });

      it('reports each missing required field', () => {
        const rr = sampleRemediationRequest();
        delete rr.spec.signalName;
        delete rr.spec.firingTime;
        rr.spec.targetResource = { kind: 'Pod' };
        expect(validator.validate(rr).sort()).toEqual(
          [
            'spec.firingTime: Required value',
            'spec.signalName: Required value',
            'spec.targetResource.name: Required value',
          ].sort(),
        );
      });

      it('rejects a targetType outside the enum', () => {
        expect(validator.validate(withSpec({ targetType: 'openstack' }))).toEqual([
          'spec.targetType: Unsupported value: "openstack": supported values: "kubernetes", "aws", "azure", "gcp", "datadog"',
        ]);
      });

      it('rejects lengths outside the bounds', () => {
        expect(validator.validate(withSpec({ signalName: 'a'.repeat(254) }))).toEqual([
          'spec.signalName: Too long: may not be more than 253 bytes',
        ]);
        expect(validator.validate(withSpec({ severity: '' }))).toEqual([
          'spec.severity: Invalid value: "": spec.severity in body should be at least 1 chars long',
        ]);
        expect(validator.validate(withSpec({ severity: 's'.repeat(51) }))).toEqual([
          'spec.severity: Too long: may not be more than 50 bytes',
        ]);
        expect(validator.validate(withSpec({ signalSource: 's'.repeat(64) }))).toEqual([
          'spec.signalSource: Too long: may not be more than 63 bytes',
        ]);
        expect(validator.validate(withSpec({ clusterID: 'c'.repeat(254) }))).toEqual([
          'spec.clusterID: Too long: may not be more than 253 bytes',
        ]);
      });

      it('rejects times that are not RFC 3339', () => {
        for (const bad of [
          'yesterday',
          '2026-01-02',
          '2026-02-30T00:00:00Z',
          '2026-01-02T25:00:00Z',
          '2026-01-02T03:04:05',
        ]) {
          expect(validator.validate(withSpec({ firingTime: bad }))).toEqual([
            `spec.firingTime: Invalid value: ${JSON.stringify(bad)}: spec.firingTime in body must be of type date-time: ${JSON.stringify(bad)}`,
          ]);
        }
      });

      it('rejects wrong types, including non-string map values', () => {
        expect(validator.validate(withSpec({ severity: 3 }))).toEqual([
          'spec.severity: Invalid value: "integer": spec.severity in body must be of type string: "integer"',
        ]);
        expect(validator.validate(withSpec({ signalLabels: { a: 1 } }))).toEqual([
          'spec.signalLabels.a: Invalid value: "integer": spec.signalLabels.a in body must be of type string: "integer"',
        ]);
        expect(validator.validate(withSpec({ targetResource: 'Pod/api-0' }))).toEqual([
          'spec.targetResource: Invalid value: "string": spec.targetResource in body must be of type object: "string"',
        ]);
      });

      it('rejects an occurrenceCount that is not an int32', () => {
        const status = (occurrenceCount: unknown) =>
          sampleRemediationRequest({ status: { deduplication: { occurrenceCount } } });
        expect(validator.validate(status(2 ** 31))).toEqual([
          'status.deduplication.occurrenceCount: Invalid value: 2147483648: status.deduplication.occurrenceCount in body must be of type int32: "2147483648"',
        ]);
        expect(validator.validate(status(1.5))).toEqual([
          'status.deduplication.occurrenceCount: Invalid value: "number": status.deduplication.occurrenceCount in body must be of type integer: "number"',
        ]);
      });

      it('prunes unknown spec fields instead of rejecting them', () => {
        const rr = withSpec({ notInSchema: 'x' });
        expect(validator.validate(rr)).toEqual([]);
        expect(validator.prune(rr).spec).not.toHaveProperty('notInSchema');
        expect(rr.spec).toHaveProperty('notInSchema');
      });

      it('rejects any spec change on update and accepts an unchanged spec', () => {
        const old = sampleRemediationRequest();
        expect(validator.validateUpdate(old, sampleRemediationRequest({ labels: { extra: 'label' } }))).toEqual([]);
        const problems = validator.validateUpdate(old, withSpec({ severity: 'warning' }));
        expect(problems).toHaveLength(1);
        expect(problems[0]).toMatch(/^spec: Invalid value: "object": spec is immutable after creation/);
      });

      it('rejects a fingerprint change with both immutability rules', () => {
        const problems = validator.validateUpdate(
          sampleRemediationRequest(),
          withSpec({ signalFingerprint: 'a'.repeat(64) }),
        );
        expect(problems).toContain('spec.signalFingerprint: Invalid value: "string": signalFingerprint is immutable');
        expect(problems.some((p) => p.startsWith('spec: Invalid value: "object"'))).toBe(true);
      });

      it('lets status change freely on update', () => {
        const old = sampleRemediationRequest({ status: { overallPhase: 'Pending' } });
        const updated = sampleRemediationRequest({
          status: { overallPhase: 'Completed', deduplication: { occurrenceCount: 2 } },
        });
        expect(validator.validateUpdate(old, updated)).toEqual([]);
      });
    });
  }

  it('declares the names, columns and subresource kubectl and the worker rely on', () => {
    const crd = parseCrdDefinition(readFileSync(projectCrdPath(), 'utf8'));
    expect(crd).toMatchObject({
      group: 'kubernaut.ai',
      version: 'v1alpha1',
      kind: 'RemediationRequest',
      plural: 'remediationrequests',
    });
    expect(crd.shortNames).toEqual(['rr']);
    expect(crd.hasStatusSubresource).toBe(true);
    expect(crd.printerColumns.map((c) => c.name)).toEqual(expect.arrayContaining(['Phase', 'Alert', 'Age']));
    expect(crd.selectableFields).toContain('.spec.signalFingerprint');
    expect(readFileSync(projectCrdPath(), 'utf8')).toMatch(/NEVER apply this over Kubernaut's own CRD/);
  });

  it('keeps orchestrator-owned status fields in the project CRD', () => {
    const validator = createCrdValidator(readFileSync(projectCrdPath(), 'utf8'));
    const rr = sampleRemediationRequest({ status: { overallPhase: 'Analyzing', phaseProgress: { any: 'thing' } } });
    expect(validator.prune(rr).status).toEqual({ overallPhase: 'Analyzing', phaseProgress: { any: 'thing' } });
  });

  it('evaluates the set-once rule oldSelf == "" || self == oldSelf', () => {
    const crd = `
kind: CustomResourceDefinition
spec:
  versions:
    - name: v1
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            status:
              type: object
              properties:
                hash:
                  type: string
                  x-kubernetes-validations:
                    - rule: oldSelf == '' || self == oldSelf
                      message: hash is immutable once set
                other:
                  type: string
                  x-kubernetes-validations:
                    - rule: self.startsWith('x')
`;
    const validator = createCrdValidator(crd);
    const obj = (hash: string) => ({ status: { hash, other: 'not-evaluated' } });
    expect(validator.validateUpdate(obj(''), obj('abc'))).toEqual([]);
    expect(validator.validateUpdate(obj('abc'), obj('abc'))).toEqual([]);
    expect(validator.validateUpdate(obj('abc'), obj('def'))).toEqual([
      'status.hash: Invalid value: "string": hash is immutable once set',
    ]);
  });

  it('drops nulls of non-nullable fields before validating', () => {
    const validator = createCrdValidator(readFileSync(projectCrdPath(), 'utf8'));
    const rr = withSpec({ clusterID: null });
    expect(validator.validate(rr)).toEqual([]);
    expect(validator.prune(rr).spec).not.toHaveProperty('clusterID');
  });
});
