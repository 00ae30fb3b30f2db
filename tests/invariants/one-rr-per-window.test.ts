import { createOrchestratorDriver, waitFor } from '@gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForQuiet } from '../chaos/support/chaos.js';
import { alertmanagerWebhook, podFingerprint, podRrName, postWebhook } from '../support/alerts.js';
import { type GatewayFixture, RR_NAMESPACE, startGatewayFixture } from '../support/gateway-fixture.js';

// One RR per open window and exact occurrence counts, with real processes: one ingress, four workers, the kube
// sandbox.
describe('one RemediationRequest per open window', () => {
  let fx: GatewayFixture;

  beforeAll(async () => {
    fx = await startGatewayFixture({ workers: 4 });
  }, 60_000);

  afterAll(async () => {
    await fx?.close();
  });

  it('creates one RR counting 200 concurrent occurrences, then exactly 201 after 400 redeliveries and one new one', async () => {
    const alert = { alertname: 'KubePodCrashLooping', namespace: 'shop', pod: 'checkout-0' };
    const start = Date.parse('2026-11-27T08:00:00.000Z');
    const payloads = Array.from({ length: 200 }, (_, i) =>
      alertmanagerWebhook([{ ...alert, startsAt: new Date(start + i * 1000).toISOString() }]),
    );
    const responses = await Promise.all(payloads.map((body) => postWebhook(fx.stack.ingressUrl, fx.stack.token, body)));
    expect(responses.map((r) => r.status)).toEqual(Array(200).fill(202));

    const name = podRrName(alert.alertname, alert.namespace, alert.pod);
    await fx.waitForCount(name, 200, 30_000);
    const rrs = fx
      .rrs()
      .filter(
        (rr) =>
          (rr.spec as { signalFingerprint: string }).signalFingerprint ===
          podFingerprint(alert.alertname, alert.namespace, alert.pod),
      );
    expect(rrs.map((rr) => rr.metadata.name)).toEqual([name]);

    // Byte-identical redeliveries (Alertmanager HA peers, sender retries) share the delivery key: not counted.
    // Every delivery comes back twice, with one fresh occurrence among them that must be counted.
    const fresh = alertmanagerWebhook([{ ...alert, startsAt: new Date(start + 999_000).toISOString() }]);
    const again = [...payloads.slice(0, 100), fresh, ...payloads.slice(100), ...payloads];
    const redeliveries = await Promise.all(again.map((body) => postWebhook(fx.stack.ingressUrl, fx.stack.token, body)));
    expect(redeliveries.map((r) => r.status)).toEqual(Array(401).fill(202));
    await fx.waitForCount(name, 201, 30_000);
    // Reaching 201 can happen before the last redeliveries are processed: the count must still be 201 once
    // every job has run and every window change has been written to the RR.
    await waitForQuiet(fx.stack.queuePrefix, 30_000, () => fx.stack.logs());
    expect(fx.occurrenceCount(name)).toBe(201);
    expect(fx.rrs().filter((rr) => rr.metadata.name.startsWith(name.slice(0, 15)))).toHaveLength(1);
  });

  it('opens a new window with seq 2 once the orchestrator completes the RR', async () => {
    const alert = { alertname: 'KubeJobFailed', namespace: 'batch', pod: 'nightly-0' };
    const first = podRrName(alert.alertname, alert.namespace, alert.pod, 1);
    const second = podRrName(alert.alertname, alert.namespace, alert.pod, 2);
    await postWebhook(
      fx.stack.ingressUrl,
      fx.stack.token,
      alertmanagerWebhook([{ ...alert, startsAt: '2026-11-27T09:00:00.000Z' }]),
    );
    await fx.waitForCount(first, 1);

    const driver = createOrchestratorDriver(fx.kubeconfig, RR_NAMESPACE);
    await driver.setPhase(first, 'Processing');
    await postWebhook(
      fx.stack.ingressUrl,
      fx.stack.token,
      alertmanagerWebhook([{ ...alert, startsAt: '2026-11-27T09:01:00.000Z' }]),
    );
    await fx.waitForCount(first, 2);

    await driver.setPhase(first, 'Completed');
    // The informers close the window asynchronously; keep sending until the new window appears, counting sends.
    let sent = 0;
    await waitFor(
      async () => {
        sent += 1;
        await postWebhook(
          fx.stack.ingressUrl,
          fx.stack.token,
          alertmanagerWebhook([
            { ...alert, startsAt: new Date(Date.parse('2026-11-27T10:00:00.000Z') + sent * 1000).toISOString() },
          ]),
        );
        return fx.sandbox.object(RR_NAMESPACE, second) !== undefined;
      },
      { timeoutMs: 20_000, intervalMs: 500, description: `${second} to be created` },
    );
    expect(fx.sandbox.object(RR_NAMESPACE, second)?.metadata.annotations?.['kubernaut.ai/dedup-window-seq']).toBe('2');
    // The completed RR keeps its count; every send after completion counts toward the new window, none lost.
    await waitFor(() => (fx.occurrenceCount(first) ?? 0) + (fx.occurrenceCount(second) ?? 0) === 2 + sent, {
      timeoutMs: 20_000,
      description: 'counts across both windows to add up to every occurrence',
    });
    expect(fx.occurrenceCount(first)).toBeGreaterThanOrEqual(2);
  });
});
