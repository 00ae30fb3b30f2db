import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../packages/testkit/src/index.js';
import type { KubeObject } from '../../packages/testkit/src/kube-sandbox/index.js';
import { waitForQuiet } from '../chaos/support/chaos.js';
import type { PostableAlert } from './support/alertmanager.js';
import { type E2eEnvironment, type E2eOptions, startE2eEnvironment } from './support/environment.js';

// A real Alertmanager (the Debian package) notifies a real ingress and worker started from their build output;
// RemediationRequests are read back from the kube sandbox. Nothing in the gateway is replaced.

const NAMESPACE = 'shop';
const fingerprintOf = (alertname: string, pod: string): string =>
  createHash('sha256').update(`${alertname}:${NAMESPACE}:Pod:${pod}`).digest('hex');

const podAlert = (alertname: string, pod: string, startsAt: string, endsAt?: string): PostableAlert => ({
  labels: { alertname, namespace: NAMESPACE, pod, severity: 'critical' },
  annotations: { summary: `${pod} is crash looping` },
  startsAt,
  ...(endsAt ? { endsAt } : {}),
  generatorURL: 'http://prometheus.e2e:9090/graph',
});

interface RrView {
  name: string;
  fingerprint: unknown;
  signalName: unknown;
  signalSource: unknown;
  targetResource: unknown;
  occurrenceCount: unknown;
}

const view = (rr: KubeObject): RrView => {
  const spec = (rr.spec ?? {}) as Record<string, unknown>;
  const dedup = ((rr.status ?? {}) as { deduplication?: Record<string, unknown> }).deduplication ?? {};
  return {
    name: rr.metadata.name,
    fingerprint: spec.signalFingerprint,
    signalName: spec.signalName,
    signalSource: spec.signalSource,
    targetResource: spec.targetResource,
    occurrenceCount: dedup.occurrenceCount,
  };
};

describe('alertmanager end to end', () => {
  const environments = new Set<E2eEnvironment>();
  afterAll(async () => {
    await Promise.all([...environments].map((env) => env.close()));
  });

  /** Starts a fresh environment for one test; its children's output is printed only if the test fails. */
  const setUp = async (
    context: { onTestFailed: (fn: () => void) => void; onTestFinished: (fn: () => Promise<void>) => void },
    label: string,
    options?: E2eOptions,
  ): Promise<E2eEnvironment> => {
    let env: E2eEnvironment | undefined;
    context.onTestFailed(() => {
      if (env) console.error(`[${label}] child output:\n${env.logs()}`);
    });
    env = await startE2eEnvironment(label, options);
    environments.add(env);
    const started = env;
    context.onTestFinished(async () => {
      environments.delete(started);
      await started.close();
    });
    return env;
  };

  it('creates one RR per pod when Alertmanager notifies two firing alerts', async (context) => {
    const env = await setUp(context, 'am-two-pods');
    const startsAt = new Date().toISOString();
    await env.alertmanager.postAlerts([
      podAlert('KubePodCrashLooping', 'checkout-7c9f8d6b5-x2k4q', startsAt),
      podAlert('KubePodCrashLooping', 'payments-5d8c7b9f4-m7n2p', startsAt),
    ]);

    const rrs = await waitFor(() => (env.remediationRequests().length >= 2 ? env.remediationRequests() : false), {
      timeoutMs: 20_000,
      description: 'two RemediationRequests',
    });
    expect(rrs).toHaveLength(2);
    const byPod = new Map(rrs.map((rr) => [(view(rr).targetResource as { name?: string }).name, view(rr)]));
    for (const pod of ['checkout-7c9f8d6b5-x2k4q', 'payments-5d8c7b9f4-m7n2p']) {
      const fingerprint = fingerprintOf('KubePodCrashLooping', pod);
      expect(byPod.get(pod)).toMatchObject({
        fingerprint,
        signalName: 'KubePodCrashLooping',
        signalSource: 'prometheus',
        targetResource: { kind: 'Pod', name: pod, namespace: NAMESPACE },
      });
      expect(byPod.get(pod)?.name).toMatch(new RegExp(`^rr-${fingerprint.slice(0, 12)}-`));
    }

    // status.deduplication is written behind (one flush interval), so poll for it.
    await waitFor(
      () => {
        for (const rr of env.remediationRequests()) expect(view(rr).occurrenceCount).toBeGreaterThanOrEqual(1);
        return true;
      },
      { timeoutMs: 10_000, description: 'status.deduplication.occurrenceCount on both RRs' },
    );
    const amMetrics = await env.alertmanager.metrics();
    const failed = amMetrics.filter(
      (s) => s.name === 'alertmanager_notifications_failed_total' && s.labels.integration === 'webhook',
    );
    expect(failed.reduce((sum, s) => sum + s.value, 0)).toBe(0);
  });

  it('keeps one RR and counts nothing more when Alertmanager re-notifies the same alert', async (context) => {
    // A short repeat interval makes Alertmanager send the unchanged group again every couple of seconds.
    const env = await setUp(context, 'am-renotify', { alertmanager: { repeatInterval: '2s' } });
    const startsAt = new Date().toISOString();
    const alert = podAlert('KubePodCrashLooping', 'checkout-7c9f8d6b5-x2k4q', startsAt);
    await env.alertmanager.postAlerts([alert]);
    await waitFor(() => env.remediationRequests().length >= 1, { timeoutMs: 20_000, description: 'the first RR' });

    // Prometheus re-posts firing alerts on every evaluation; Alertmanager merges them into the same alert.
    await env.alertmanager.postAlerts([alert]);
    // Wait until the gateway received at least two more notifications and the worker decided every signal.
    const progress = await waitFor(
      async () => {
        const p = await env.progress();
        return p.enqueued >= 3 && p.decided >= p.enqueued ? p : false;
      },
      { timeoutMs: 30_000, intervalMs: 250, description: 're-notifications enqueued and decided' },
    );
    // A re-notification repeats the same occurrence (same startsAt): a redelivery, never counted again.
    expect(progress.byOutcome).toMatchObject({ created: 1, deduplicated: 0, failed: 0 });
    expect(progress.byOutcome.redelivered).toBe(progress.decided - 1);

    // status.deduplication is written behind: read it once nothing is left to write.
    await waitForQuiet(env.stack.queuePrefix, 30_000, () => env.logs());
    const rrs = env.remediationRequests();
    expect(rrs).toHaveLength(1);
    expect(view(rrs[0] as KubeObject)).toMatchObject({
      fingerprint: fingerprintOf('KubePodCrashLooping', 'checkout-7c9f8d6b5-x2k4q'),
      occurrenceCount: 1,
    });
  });

  it('creates no RR when the alert resolves', async (context) => {
    const env = await setUp(context, 'am-resolve');
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const pod = 'checkout-7c9f8d6b5-x2k4q';
    await env.alertmanager.postAlerts([podAlert('KubePodCrashLooping', pod, startsAt)]);
    await waitFor(() => env.remediationRequests().length >= 1, { timeoutMs: 20_000, description: 'the firing RR' });

    // endsAt in the past resolves it; with send_resolved Alertmanager notifies the resolution.
    await env.alertmanager.postAlerts([
      podAlert('KubePodCrashLooping', pod, startsAt, new Date(Date.now() - 1000).toISOString()),
    ]);
    const progress = await waitFor(
      async () => {
        const p = await env.progress();
        return (p.byOutcome.resolved ?? 0) >= 1 && p.decided >= p.enqueued ? p : false;
      },
      { timeoutMs: 20_000, intervalMs: 250, description: 'the resolved signal decided by the worker' },
    );
    expect(progress.byOutcome.created).toBe(1);
    const rrs = env.remediationRequests();
    expect(rrs).toHaveLength(1);
    expect(view(rrs[0] as KubeObject).targetResource).toMatchObject({ name: pod });
  });
});
