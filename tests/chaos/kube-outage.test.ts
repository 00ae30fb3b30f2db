import { setTimeout as delay } from 'node:timers/promises';
import { createOrchestratorDriver, createTestRedis, waitFor } from '@gateway/testkit';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { alertmanagerWebhook, podFingerprint, podRrName, postWebhook } from '../support/alerts.js';
import { type GatewayFixture, RR_NAMESPACE, startGatewayFixture } from '../support/gateway-fixture.js';
import { at, FAST_WORKER_ENV, metricValue, rrNamesFor, waitForQuiet } from './support/chaos.js';

/**
 * The recovery clocks stay at their production defaults (job retry 1 s doubling to 60 s, breaker open for 30 s,
 * probe every 1 s): only the active probe and parking can bring signals through within seconds of the API's
 * return. Counts and audit still leave every 200 ms so the final state is quick to observe.
 */
const OUTAGE_WORKER_ENV: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(FAST_WORKER_ENV).filter(
    ([key]) => !key.includes('JOB_RETRY') && !key.startsWith('GATEWAY_CFG__CIRCUIT_BREAKER__'),
  ),
);

/** `circuitBreaker.openDuration` left at its default here. */
const DEFAULT_OPEN_DURATION_MS = 30_000;

/** How long after the API's return every RR of an outage must exist. */
const RECOVERY_BUDGET_MS = 5000;
const ALERTS_PER_OUTAGE = 20;

type Outage = 'refused' | 'reset' | '503';

/** Makes the API unreachable in the given way; the returned function brings it back. */
async function breakApi(fx: GatewayFixture, outage: Outage): Promise<() => Promise<void>> {
  if (outage === 'refused') {
    await fx.sandbox.stop();
    return () => fx.sandbox.start();
  }
  fx.sandbox.faults.set(outage === 'reset' ? { outage: true } : { errorStatus: 503 });
  return async () => fx.sandbox.faults.clear();
}

/**
 * 20 new alerts arrive during an outage of `outageMs`, each firing again halfway through. Afterwards every RR
 * exists within RECOVERY_BUDGET_MS of the API's return, once, with occurrenceCount 2, and no job failed.
 * Returns the measured recovery time.
 */
async function outageScenario(fx: GatewayFixture, label: string, outage: Outage, outageMs: number): Promise<number> {
  const base = '2026-11-27T08:00:00.000Z';
  const pods = Array.from({ length: ALERTS_PER_OUTAGE }, (_, i) => ({
    alertname: 'KubePodNotReady',
    namespace: 'chaos',
    pod: `${label}-${i}`,
  }));
  const names = pods.map((p) => podRrName(p.alertname, p.namespace, p.pod));
  const post = async (body: unknown): Promise<void> => {
    const res = await postWebhook(fx.stack.ingressUrl, fx.stack.token, body);
    expect(res.status, await res.clone().text()).toBe(202);
  };
  const worker = fx.stack.workerUrl;
  const probeFailuresBefore = await metricValue(worker, 'gateway_circuit_breaker_probes_total', { result: 'failure' });
  const probeSuccessesBefore = await metricValue(worker, 'gateway_circuit_breaker_probes_total', {
    result: 'success',
  });

  const restore = await breakApi(fx, outage);
  const outageStart = Date.now();
  let recoveredAt = 0;
  try {
    await Promise.all(pods.map((pod) => post(alertmanagerWebhook([{ ...pod, startsAt: at(base, 0) }]))));
    // The worker must have run into the outage and opened its breaker, not idled through it.
    await waitFor(async () => (await metricValue(worker, 'gateway_circuit_breaker_state')) === 2, {
      timeoutMs: 10_000,
      description: 'the breaker to open against the failing API',
    });
    // The scenario's clock, not a wait for an outcome: the second occurrences arrive mid-outage.
    await delay(Math.max(0, outageMs / 2 - (Date.now() - outageStart)));
    await Promise.all(pods.map((pod) => post(alertmanagerWebhook([{ ...pod, startsAt: at(base, 1) }]))));
    expect(names.filter((name) => fx.sandbox.object(RR_NAMESPACE, name) !== undefined)).toEqual([]);
    await delay(Math.max(0, outageMs - (Date.now() - outageStart)));
  } finally {
    await restore();
    recoveredAt = Date.now();
  }

  await waitFor(() => names.every((name) => fx.sandbox.object(RR_NAMESPACE, name) !== undefined), {
    timeoutMs: 90_000,
    intervalMs: 50,
    description: `every RR of the ${label} outage to exist`,
  });
  const recoveryMs = Date.now() - recoveredAt;
  console.info(
    `kube outage ${label} (${outage}, ${outageMs / 1000} s): every RR existed ${recoveryMs} ms after recovery`,
  );
  expect(recoveryMs, `${label}: RRs appeared ${recoveryMs} ms after the API came back`).toBeLessThanOrEqual(
    RECOVERY_BUDGET_MS,
  );

  await waitForQuiet(fx.stack.queuePrefix, 30_000, () => fx.stack.logs());
  for (const [i, pod] of pods.entries()) {
    const name = names[i] ?? '';
    expect(rrNamesFor(fx.rrs(), podFingerprint(pod.alertname, pod.namespace, pod.pod)), pod.pod).toEqual([name]);
    expect(fx.occurrenceCount(name), pod.pod).toBe(2);
  }
  const redis = createTestRedis();
  try {
    expect(await redis.zcard(`${fx.stack.queuePrefix}:signals:failed`)).toBe(0);
  } finally {
    redis.disconnect();
  }
  expect(await metricValue(worker, 'gateway_jobs_failed_total')).toBe(0);
  // Probes failed while the API was away, and a success ended the outage for the breaker, which is closed again.
  // One probe a second while open: at least one for every two seconds of outage even on a loaded machine.
  expect(
    await metricValue(worker, 'gateway_circuit_breaker_probes_total', { result: 'failure' }),
  ).toBeGreaterThanOrEqual(probeFailuresBefore + Math.floor(outageMs / 2000));
  // Shorter than the 30 s open phase, a probe's success must end the outage; a longer one may end in a
  // half-open phase that openDuration started, whose own calls then close the breaker.
  if (outageMs < DEFAULT_OPEN_DURATION_MS) {
    expect(await metricValue(worker, 'gateway_circuit_breaker_probes_total', { result: 'success' })).toBeGreaterThan(
      probeSuccessesBefore,
    );
  }
  expect(await metricValue(worker, 'gateway_circuit_breaker_state')).toBe(0);
  return recoveryMs;
}

/** Runs the scenarios one after another on a stack of their own; parking must have kept some job's attempts. */
async function runOutages(
  scenarios: ReadonlyArray<readonly [label: string, outage: Outage, outageMs: number]>,
  onTestFailed: TestContext['onTestFailed'],
): Promise<void> {
  const fx = await startGatewayFixture({ stack: { env: { worker: OUTAGE_WORKER_ENV } } });
  onTestFailed(() => console.error(fx.stack.logs()));
  try {
    for (const [label, outage, outageMs] of scenarios) await outageScenario(fx, label, outage, outageMs);
    expect(await metricValue(fx.stack.workerUrl, 'gateway_jobs_parked_total')).toBeGreaterThan(0);
  } finally {
    await fx.close();
  }
}

// Each outage kind gets its own stack so the two long outages run side by side within the file's budget.
describe('Kubernetes API outage', () => {
  it.concurrent('creates every RR within 5 s after 5 s and 60 s outages that refuse connections or reset them', async ({
    onTestFailed,
  }) => {
    await runOutages(
      [
        ['refused5', 'refused', 5000],
        ['reset5', 'reset', 5000],
        ['refused60', 'refused', 60_000],
      ],
      onTestFailed,
    );
  }, 180_000);

  it.concurrent('creates every RR within 5 s after 5 s and 60 s outages that answer 503', async ({ onTestFailed }) => {
    await runOutages(
      [
        ['svc503x5', '503', 5000],
        ['svc503x60', '503', 60_000],
      ],
      onTestFailed,
    );
  }, 180_000);
});

describe('Kubernetes API restart', () => {
  let fx: GatewayFixture;

  beforeAll(async () => {
    fx = await startGatewayFixture({ stack: { env: { worker: FAST_WORKER_ENV } } });
  }, 60_000);

  afterAll(async () => {
    await fx?.close();
  });

  const post = async (body: unknown): Promise<void> => {
    const res = await postWebhook(fx.stack.ingressUrl, fx.stack.token, body);
    expect(res.status, await res.clone().text()).toBe(202);
  };

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
