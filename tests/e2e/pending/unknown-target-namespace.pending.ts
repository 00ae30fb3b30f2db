import { readFixture } from '@gateway/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectAccepted, rrSpec, rrValidator, type SourceStack, startSourceStack } from '../../support/sources.js';

// PARKED (rename to .test.ts when fixed). SPEC §5.1 worked example: the RR of an alert without resource labels
// has `targetResource: {kind: Unknown, name: unknown, namespace: default}`. The gateway writes
// `{kind: Unknown, name: unknown}`: the Unknown placeholder target built by the sources
// (packages/sources/src/normalize/unresolved-target.ts `unknownKubernetesTarget`) has `scope: default` but no
// `namespace`, and the worker's targetResource (apps/worker/src/remediation/build-remediation-request.ts) only
// copies `target.namespace`. Same for Grafana (§5.6 uses the §5.1 item model).

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
