import { OwnerLookupUnavailable } from '@gateway/fingerprint';
import { describe, expect, it } from 'vitest';
import { ObjectHistory } from '../../bench/fingerprint/src/object-history.js';
import { ObjectLineSchema } from '../../bench/fingerprint/src/stream-line.js';

const CREATED = '2026-01-05T08:00:00Z';
const DELETED = '2026-01-05T09:00:00Z';
const createdMs = Date.parse(CREATED);
const deletedMs = Date.parse(DELETED);

function history(): ObjectHistory {
  const objects = new ObjectHistory();
  objects.add(
    ObjectLineSchema.parse({
      cluster: 'prod-a',
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'web-7d4b9c6f8-x2x9z',
        namespace: 'shop',
        creationTimestamp: CREATED,
        deletionTimestamp: DELETED,
        ownerReferences: [
          { apiVersion: 'v1', kind: 'Node', name: 'n1' },
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d4b9c6f8', controller: true },
        ],
      },
    }),
  );
  objects.add(
    ObjectLineSchema.parse({
      cluster: 'prod-a',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop', creationTimestamp: CREATED },
    }),
  );
  return objects;
}

const pod = { kind: 'Pod', namespace: 'shop', name: 'web-7d4b9c6f8-x2x9z' };

describe('fingerprint evaluation object history', () => {
  it('answers the controller owner while the object exists', async () => {
    const lookup = history().lookupFrom(() => 'prod-b');
    await expect(lookup.controllerOf({ ...pod, clusterId: 'prod-a' }, createdMs)).resolves.toEqual({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      name: 'web-7d4b9c6f8',
    });
  });

  it('answers null for an object without a controller', async () => {
    const lookup = history().lookupFrom(() => 'prod-a');
    await expect(
      lookup.controllerOf({ clusterId: 'prod-a', kind: 'Deployment', namespace: 'shop', name: 'web' }, deletedMs),
    ).resolves.toBeNull();
  });

  it('throws not-found before creation, from deletion on, and in another cluster', async () => {
    const lookup = history().lookupFrom(() => 'prod-b');
    for (const [clusterId, atMs] of [
      ['prod-a', createdMs - 1],
      ['prod-a', deletedMs],
      ['prod-b', createdMs],
    ] as const) {
      const answer = lookup.controllerOf({ ...pod, clusterId }, atMs);
      await expect(answer).rejects.toBeInstanceOf(OwnerLookupUnavailable);
      await expect(answer).rejects.toMatchObject({ reason: 'not-found' });
    }
  });

  it('answers the hub cluster from the cluster of the signal being evaluated', async () => {
    let local = 'prod-b';
    const lookup = history().lookupFrom(() => local);
    await expect(lookup.controllerOf({ ...pod, clusterId: '' }, createdMs)).rejects.toBeInstanceOf(
      OwnerLookupUnavailable,
    );
    local = 'prod-a';
    await expect(lookup.controllerOf({ ...pod, clusterId: '' }, createdMs)).resolves.toMatchObject({
      kind: 'ReplicaSet',
    });
  });
});
