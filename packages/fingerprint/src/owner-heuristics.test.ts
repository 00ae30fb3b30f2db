import { superLinearInputs } from '@gateway/testkit';
import { describe, expect, it } from 'vitest';
import { ownerFromName, statefulSetPodsOfClaim } from './owner-heuristics.js';

describe('ownerFromName', () => {
  it.each([
    ['Pod', 'backup-28391234-x2x9z', { kind: 'CronJob', name: 'backup' }],
    ['Pod', 'nightly-report-2839123456-bcdfg', { kind: 'CronJob', name: 'nightly-report' }],
    ['Pod', 'web-7d4b9c-x2x9z', { kind: 'Deployment', name: 'web' }],
    ['Pod', 'memory-hog-77bc84f698-8ddlj', { kind: 'Deployment', name: 'memory-hog' }],
    ['Pod', 'web-frontend-5f7b8c9d4x-zzzzz', { kind: 'Deployment', name: 'web-frontend' }],
    ['Pod', 'postgres-0', { kind: 'StatefulSet', name: 'postgres' }],
    ['Pod', 'kafka-broker-12', { kind: 'StatefulSet', name: 'kafka-broker' }],
    ['Pod', 'web-01', undefined],
    ['Pod', 'web-abcde-x2x9z', undefined],
    ['Pod', 'web-7d4b9-x2x9z', undefined],
    ['Pod', '7d4b9c-x2x9z', undefined],
    ['Pod', 'standalone', undefined],
    ['Pod', '-0', undefined],
    ['ReplicaSet', 'web-7d4b9c', { kind: 'Deployment', name: 'web' }],
    ['ReplicaSet', 'web-77bc84f698', { kind: 'Deployment', name: 'web' }],
    ['ReplicaSet', 'web-77bc84f6981', undefined],
    ['ReplicaSet', 'web-abcdef', undefined],
    ['Job', 'backup-28391234', { kind: 'CronJob', name: 'backup' }],
    ['Job', 'backup-1234567', undefined],
    ['Job', 'migrate', undefined],
    ['Deployment', 'web-7d4b9c', undefined],
  ])('parses %s %s', (kind, name, expected) => {
    expect(ownerFromName(kind, name)).toEqual(expected);
  });

  it('grows at most linearly with the name for names that make a regular expression backtrack', async () => {
    const names = {
      dashes: (n: number) => '-'.repeat(n),
      digitRuns: (n: number) => '-1'.repeat(n / 2),
      suffixRuns: (n: number) => 'bcdfg-'.repeat(n / 6),
      almostDeployment: (n: number) => `${'b-'.repeat(n / 2)}bcdfgh-bcdf`,
    };
    for (const kind of ['Pod', 'ReplicaSet', 'Job']) {
      expect(await superLinearInputs((name: string) => ownerFromName(kind, name), names, { n: 250 })).toEqual({});
    }
  });
});

describe('statefulSetPodsOfClaim', () => {
  it.each([
    ['data-postgres-0', [{ pod: 'postgres-0', statefulSet: 'postgres' }]],
    [
      'redis-data-redis-master-12',
      [
        { pod: 'data-redis-master-12', statefulSet: 'data-redis-master' },
        { pod: 'redis-master-12', statefulSet: 'redis-master' },
        { pod: 'master-12', statefulSet: 'master' },
      ],
    ],
    ['www-web-0', [{ pod: 'web-0', statefulSet: 'web' }]],
    ['uploads-0', []],
    ['data-postgres-01', []],
    ['data-postgres', []],
    ['-postgres-0', []],
  ])('names the candidate pods of claim %s', (claim, expected) => {
    expect(statefulSetPodsOfClaim(claim)).toEqual(expected);
  });

  it('grows at most linearly with the claim name', async () => {
    const names = {
      dashes: (n: number) => `${'-'.repeat(n)}0`,
      segments: (n: number) => `${'a-'.repeat(n / 2)}0`,
    };
    expect(await superLinearInputs(statefulSetPodsOfClaim, names, { n: 250 })).toEqual({});
  });
});
