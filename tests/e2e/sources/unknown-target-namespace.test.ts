import { readFixture } from '@gateway/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectAccepted, rrSpec, rrValidator, type SourceStack, startSourceStack } from '../../support/sources.js';

describe('unresolved target placeholder', () => {
  let gw: SourceStack;

  beforeAll(async () => {
    gw = await startSourceStack({ sources: { grafana: { enabled: true } } });
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
  });

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => console.error(gw?.logs()));
  });

  it('writes namespace default on the Unknown targetResource when an Alertmanager alert names no resource', async () => {
    expectAccepted(
      await gw.post('/api/v1/signals/prometheus', readFixture('alertmanager_v4_mixed_firing_resolved.json')),
      {
        accepted: 3,
      },
    );
    const rr = await gw.waitForRr('rr-c35a9758b42c-423a5916');
    expect(rrValidator().validate(rr)).toEqual([]);
    expect(rrSpec(rr).targetResource).toEqual({ kind: 'Unknown', name: 'unknown', namespace: 'default' });
  });

  it('writes namespace default on the Unknown targetResource when a Grafana alert names no resource', async () => {
    expectAccepted(await gw.post('/api/v1/signals/grafana', readFixture('grafana_unified_webhook_firing.json')), {
      accepted: 2,
    });
    const rr = await gw.waitForRr('rr-a80c5cba616b-5c534edd');
    expect(rrSpec(rr).targetResource).toEqual({ kind: 'Unknown', name: 'unknown', namespace: 'default' });
  });
});
