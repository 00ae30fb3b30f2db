import type { SignalDraft } from '@gateway/contracts';
import { describe, expect, it } from 'vitest';
import type { ClusterIdContext } from './cluster-id.js';
import { resolveClusterId } from './cluster-id.js';

const draft = (clusterId: string) => ({ clusterId }) as SignalDraft;
const enabled: ClusterIdContext = {
  multiCluster: { enabled: true, clusterLabel: 'cluster', defaultClusterId: 'hub' },
  boundClusterId: undefined,
  headerClusterId: undefined,
};

describe('cluster-id', () => {
  it('derives nothing when multi-cluster is off', () => {
    const off = { ...enabled, multiCluster: { ...enabled.multiCluster, enabled: false }, boundClusterId: 'east' };
    expect(resolveClusterId(draft('west'), off)).toEqual({ ok: true, clusterId: '', conflict: false });
  });

  it('lets the token binding win and reports a different payload value as a conflict', () => {
    const bound = { ...enabled, boundClusterId: 'east', headerClusterId: 'north' };
    expect(resolveClusterId(draft('west'), bound)).toEqual({ ok: true, clusterId: 'east', conflict: true });
    expect(resolveClusterId(draft('east'), bound)).toEqual({ ok: true, clusterId: 'east', conflict: false });
    expect(resolveClusterId(draft(''), bound)).toEqual({ ok: true, clusterId: 'east', conflict: false });
    expect(resolveClusterId(draft('Bad_Id'), bound)).toEqual({ ok: true, clusterId: 'east', conflict: true });
  });

  it('then the header, then the payload, then the default', () => {
    expect(resolveClusterId(draft('west'), { ...enabled, headerClusterId: 'north' })).toMatchObject({
      clusterId: 'north',
    });
    expect(resolveClusterId(draft('west'), enabled)).toMatchObject({ clusterId: 'west' });
    expect(resolveClusterId(draft(''), enabled)).toMatchObject({ clusterId: 'hub' });
  });

  it('rejects an invalid payload value', () => {
    expect(resolveClusterId(draft('Bad_Id'), enabled)).toEqual({
      ok: false,
      message: expect.stringContaining('cluster label'),
    });
  });
});
