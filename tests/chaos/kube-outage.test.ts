import { setTimeout as delay } from 'node:timers/promises';
import { createOrchestratorDriver, type FaultSettings, waitFor } from '@gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertmanagerWebhook, podFingerprint, podRrName, postWebhook } from '../support/alerts.js';
import { type GatewayFixture, RR_NAMESPACE, startGatewayFixture } from '../support/gateway-fixture.js';
import { at, FAST_WORKER_ENV, metricValue, rrNamesFor, waitForQuiet } from './support/chaos.js';

// SPEC §9 and §17 chaos: the Kubernetes API answering 503, resetting every connection, and restarting. Every
// signal accepted during the outage must end as the one RR of its window with the exact count (invariants 1–3).
describe('Kubernetes API outage', () => {
  let fx: GatewayFixture;

  beforeAll(async () => {
    fx = await startGatewayFixture({ stack: { env: { worker: FAST_WORKER_ENV } } });
  }, 60_000);

  afterAll(async () => {
    fx?.sandbox.faults.clear();
    await fx?.close();
  });

  const post = async (body: unknown): Promise<void> => {
    const res = await postWebhook(fx.stack.ingressUrl, fx.stack.token, body);
    expect(res.status, await res.clone().text()).toBe(202);
  };

  /** 10 fingerprints × 3 occurrences posted while `fault` is active for at least `outageMs`. */
  const outageScenario = async (label: string, fault: FaultSettings, outageMs: number): Promise<void> => {
    const base = '2026-11-27T08:00:00.000Z';
    const pods = Array.from({ length: 10 }, (_, i) => ({
      alertname: 'KubePodNotReady',
      namespace: 'chaos',
      pod: `${label}-${i}`,
    }));
    const retriesBefore = await metricValue(fx.stack.workerUrl, 'gateway_retry_attempts_total');

    fx.sandbox.faults.set(fault);
    const outageStart = Date.now();
    try {
      await Promise.all(
        pods.flatMap((pod) => [0, 1, 2].map((n) => post(alertmanagerWebhook([{ ...pod, startsAt: at(base, n) }])))),
      );
      // The worker must be hitting the outage (retrying), not idling through it.
      await waitFor(
        async () => (await metricValue(fx.stack.workerUrl, 'gateway_retry_attempts_total')) > retriesBefore,
        {
          timeoutMs: 10_000,
          description: 'the worker to retry against the failing API',
        },
      );
      // Nothing can have been created through a failing API.
      expect(pods.flatMap((p) => rrNamesFor(fx.rrs(), podFingerprint(p.alertname, p.namespace, p.pod)))).toEqual([]);
      // The outage lasts its full length (scenario duration, not a wait for an outcome).
      await delay(Math.max(0, outageMs - (Date.now() - outageStart)));
    } finally {
      fx.sandbox.faults.clear();
    }

    for (const pod of pods) {
      await fx.waitForCount(podRrName(pod.alertname, pod.namespace, pod.pod), 3, 30_000);
    }
    await waitForQuiet(fx.stack.queuePrefix, 30_000, () => fx.stack.logs());
    for (const pod of pods) {
      const fingerprint = podFingerprint(pod.alertname, pod.namespace, pod.pod);
      const name = podRrName(pod.alertname, pod.namespace, pod.pod);
      expect(rrNamesFor(fx.rrs(), fingerprint), pod.pod).toEqual([name]);
      expect(fx.occurrenceCount(name), pod.pod).toBe(3);
    }
    expect(await metricValue(fx.stack.workerUrl, 'gateway_retry_attempts_total')).toBeGreaterThan(retriesBefore);
  };

  it('ends with one RR per fingerprint and occurrenceCount 3 when the API answers 503 to everything for 5 s', async ({
    onTestFailed,
  }) => {
    onTestFailed(() => console.error(fx.stack.logs()));
    await outageScenario('svc503', { errorStatus: 503 }, 5000);
  });

  it('ends with one RR per fingerprint and occurrenceCount 3 when the API resets every connection for 5 s', async ({
    onTestFailed,
  }) => {
    onTestFailed(() => console.error(fx.stack.logs()));
    await outageScenario('reset', { outage: true }, 5000);
  });

  it('relists after an API restart so a later completion still closes the window and the next alert creates seq 2', async ({
    onTestFailed,
  }) => {
    onTestFailed(() => console.error(fx.stack.logs()));
    const alert = { alertname: 'KubeJobFailed', namespace: 'chaos', pod: 'restart-0' };
    const base = '2026-11-27T10:00:00.000Z';
    const first = podRrName(alert.alertname, alert.namespace, alert.pod, 1);
    const second = podRrName(alert.alertname, alert.namespace, alert.pod, 2);
    await post(alertmanagerWebhook([{ ...alert, startsAt: base }]));
    await fx.waitForCount(first, 1);

    await fx.sandbox.stop();
    // A restarted API server has no watch cache: resuming the old watch gets 410 Gone, so the informer must relist.
    fx.sandbox.compactHistory();
    // Accepted while the API is gone: counted on the open window and written once it is back.
    await post(alertmanagerWebhook([{ ...alert, startsAt: at(base, 1) }]));
    await fx.sandbox.start();
    await fx.waitForCount(first, 2, 30_000);

    // The restart dropped the watch: the worker must watch again to see the completion.
    await waitFor(() => fx.sandbox.openWatchCount() > 0, {
      timeoutMs: 20_000,
      description: 'the informer to watch again',
    });
    await createOrchestratorDriver(fx.kubeconfig, RR_NAMESPACE).setPhase(first, 'Completed');
    let sent = 0;
    await waitFor(
      async () => {
        sent += 1;
        await post(alertmanagerWebhook([{ ...alert, startsAt: at(base, 100 + sent) }]));
        return fx.sandbox.object(RR_NAMESPACE, second) !== undefined;
      },
      { timeoutMs: 20_000, intervalMs: 500, description: `${second} to be created after the completion` },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${fx.stack.logs()}`);
    });
    expect(fx.sandbox.object(RR_NAMESPACE, second)?.metadata.annotations?.['kubernaut.ai/dedup-window-seq']).toBe('2');
    await waitForQuiet(fx.stack.queuePrefix, 30_000, () => fx.stack.logs());
    // Every send after the completion went to one of the two windows; none was lost.
    expect((fx.occurrenceCount(first) ?? 0) + (fx.occurrenceCount(second) ?? 0)).toBe(2 + sent);
    expect(rrNamesFor(fx.rrs(), podFingerprint(alert.alertname, alert.namespace, alert.pod))).toEqual(
      [first, second].sort(),
    );
  });
});
