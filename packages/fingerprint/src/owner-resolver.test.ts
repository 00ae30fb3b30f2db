import { describe, expect, it } from 'vitest';
import { DEFAULT_OWNER_SETTINGS } from './create-fingerprinter.js';
import { type ObjectRef, type OwnerLookup, OwnerLookupUnavailable, type OwnerRef } from './fingerprinter.js';
import { createOwnerCache } from './owner-cache.js';
import { createOwnerResolver } from './owner-resolver.js';

const statefulSet = (name: string): OwnerRef => ({ apiVersion: 'apps/v1', kind: 'StatefulSet', name });

/** Controllers by `Kind/namespace/name`; objects not listed answer `unavailable` (404 unless said otherwise). */
function fakeApi(
  objects: Record<string, OwnerRef | null>,
  unavailable: OwnerLookupUnavailable['reason'] = 'not-found',
) {
  const calls: string[] = [];
  const lookup: OwnerLookup = {
    async controllerOf(ref: ObjectRef) {
      const key = `${ref.kind}/${ref.namespace}/${ref.name}`;
      calls.push(key);
      const found = objects[key];
      if (found === undefined) throw new OwnerLookupUnavailable(unavailable, `${key} not answered`);
      return found;
    },
  };
  return { lookup, calls };
}

const claim = (name: string) => ({ clusterId: '', kind: 'PersistentVolumeClaim', name, namespace: 'data' });
const now = () => 1_000_000;

describe('owner resolver', () => {
  it('walks a claim to the StatefulSet whose pod it was made for', async () => {
    const api = fakeApi({ 'Pod/data/postgres-0': statefulSet('postgres'), 'StatefulSet/data/postgres': null });
    const resolve = createOwnerResolver({ cache: createOwnerCache(), lookup: api.lookup });

    const resolved = await resolve(claim('data-postgres-0'), DEFAULT_OWNER_SETTINGS, now);

    expect(resolved).toEqual({
      kind: 'StatefulSet',
      name: 'postgres',
      chain: ['PersistentVolumeClaim/data-postgres-0', 'Pod/postgres-0', 'StatefulSet/postgres'],
      resolution: 'api',
    });
  });

  it('tries the next split when the claim template holds a dash', async () => {
    const api = fakeApi({
      'Pod/data/redis-master-1': statefulSet('redis-master'),
      'StatefulSet/data/redis-master': null,
    });
    const resolve = createOwnerResolver({ cache: createOwnerCache(), lookup: api.lookup });

    const resolved = await resolve(claim('redis-data-redis-master-1'), DEFAULT_OWNER_SETTINGS, now);

    expect(resolved.kind).toBe('StatefulSet');
    expect(resolved.name).toBe('redis-master');
    expect(api.calls.slice(0, 2)).toEqual(['Pod/data/data-redis-master-1', 'Pod/data/redis-master-1']);
  });

  it('keeps a claim whose candidate pod belongs to another controller or does not exist', async () => {
    const api = fakeApi({ 'Pod/data/cache-0': { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'cache-0' } });
    const resolve = createOwnerResolver({ cache: createOwnerCache(), lookup: api.lookup });

    expect(await resolve(claim('data-cache-0'), DEFAULT_OWNER_SETTINGS, now)).toMatchObject({
      kind: 'PersistentVolumeClaim',
      name: 'data-cache-0',
      resolution: 'none',
    });
    expect(await resolve(claim('uploads-0'), DEFAULT_OWNER_SETTINGS, now)).toMatchObject({
      kind: 'PersistentVolumeClaim',
      resolution: 'none',
    });
    expect(await resolve(claim('data-gone-3'), DEFAULT_OWNER_SETTINGS, now)).toMatchObject({
      kind: 'PersistentVolumeClaim',
      resolution: 'none',
    });
  });

  it('guesses the StatefulSet from the claim name only when the API cannot answer and heuristics are on', async () => {
    const api = fakeApi({}, 'forbidden');
    const resolve = createOwnerResolver({ cache: createOwnerCache(), lookup: api.lookup });

    expect(await resolve(claim('data-postgres-0'), DEFAULT_OWNER_SETTINGS, now)).toEqual({
      kind: 'StatefulSet',
      name: 'postgres',
      chain: ['PersistentVolumeClaim/data-postgres-0', 'Pod/postgres-0', 'StatefulSet/postgres'],
      resolution: 'heuristic',
    });
    const withoutHeuristics = { ...DEFAULT_OWNER_SETTINGS, heuristics: false };
    expect(await resolve(claim('datadir-kafka-2'), withoutHeuristics, now)).toMatchObject({
      kind: 'PersistentVolumeClaim',
      resolution: 'none',
    });
  });

  it('answers a claim from the cache once its pod was looked up', async () => {
    const api = fakeApi({ 'Pod/data/postgres-0': statefulSet('postgres'), 'StatefulSet/data/postgres': null });
    const resolve = createOwnerResolver({ cache: createOwnerCache(), lookup: api.lookup });
    await resolve(claim('data-postgres-0'), DEFAULT_OWNER_SETTINGS, now);
    const asked = api.calls.length;

    const again = await resolve(claim('data-postgres-0'), DEFAULT_OWNER_SETTINGS, now);

    expect(again.resolution).toBe('cache');
    expect(api.calls.length).toBe(asked);
  });
});
