import { type DataStorageStub, parsePrometheusText, startDataStorageStub, waitFor } from '@gateway/testkit';
import { afterAll, beforeAll } from 'vitest';
import { FAST_WORKER_ENV } from '../chaos/support/chaos.js';
import { alertmanagerWebhook, type PodAlert, podRrName, postWebhook } from './alerts.js';
import { type GatewayFixture, startGatewayFixture } from './gateway-fixture.js';
import { APPS, type App, type AppExports, appExports } from './scrape.js';

// The ingress and worker as real processes, driven through what a dashboard or a compatible query has to show:
// accepted, duplicate, unauthorized and rate-limited deliveries, creates the API refuses and creates it fails
// retryably, a dead-lettered audit event. Each series these produce then exists in a scrape, so a query can be
// judged against what the apps really export, labels included.

export interface ObservedApps {
  fx: GatewayFixture;
  /** Every scrape of each app so far, as exposition text. */
  scrapes: Record<App, string[]>;
  exported(): Record<App, AppExports>;
  close(): Promise<void>;
}

const ALERTNAME = 'ObservedProbe';
const NAMESPACE = 'observed';
/** Small enough that two quick deliveries of this many signals empty the sender's bucket. */
const RATE_LIMIT_BURST = 3;

export async function startObservedApps(): Promise<ObservedApps> {
  const stub: DataStorageStub = await startDataStorageStub();
  const fx = await startGatewayFixture({
    stack: {
      dataStorageUrl: stub.url,
      remediationNamespace: 'kubernaut-system',
      env: {
        ingress: { GATEWAY_CFG__RATE_LIMITS__PER_TOKEN: `{ratePerSecond: 1, burst: ${RATE_LIMIT_BURST}}` },
        worker: FAST_WORKER_ENV,
      },
    },
  }).catch(async (err: unknown) => {
    await stub.close();
    throw err;
  });
  const scrapes: Record<App, string[]> = { ingress: [], worker: [] };
  const url: Record<App, string> = { ingress: fx.stack.ingressUrl, worker: fx.stack.workerUrl };
  const scrape = async (app: App): Promise<string> => {
    const text = await (await fetch(`${url[app]}/metrics`)).text();
    scrapes[app].push(text);
    return text;
  };
  const until = (app: App, name: string, accept: (labels: Record<string, string>) => boolean, what: string) =>
    waitFor(async () => parsePrometheusText(await scrape(app)).some((s) => s.name === name && accept(s.labels)), {
      timeoutMs: 30_000,
      description: what,
    });
  const alert = (pod: string, extra: Partial<PodAlert> = {}): PodAlert => ({
    alertname: ALERTNAME,
    namespace: NAMESPACE,
    pod,
    startsAt: '2026-12-01T08:00:00.000Z',
    ...extra,
  });
  const accepted = async (alerts: PodAlert[]): Promise<void> => {
    const response = await postWebhook(fx.stack.ingressUrl, fx.stack.token, alertmanagerWebhook(alerts));
    if (response.status !== 202) throw new Error(`expected 202, got ${response.status}: ${await response.text()}`);
  };
  const rrExists = (pod: string) =>
    waitFor(() => fx.rrs().some((rr) => rr.metadata.name === podRrName(ALERTNAME, NAMESPACE, pod)), {
      timeoutMs: 30_000,
      description: `the RR of ${pod}`,
    });
  const creates = (request: { method: string; path: string }) =>
    request.method === 'POST' && request.path.endsWith('/remediationrequests');

  try {
    await accepted([alert('created-0')]);
    await rrExists('created-0');
    await accepted([alert('created-0', { alertFingerprint: 'created-0-again' })]);
    await until('worker', 'gateway_dedup_status_writes_total', () => true, 'the duplicate written to its RR');

    const unauthorized = await postWebhook(fx.stack.ingressUrl, 'not-a-token', alertmanagerWebhook([alert('x')]));
    if (unauthorized.status !== 401) throw new Error(`expected 401, got ${unauthorized.status}`);

    fx.sandbox.faults.set({ errorStatus: 403, match: creates });
    try {
      await accepted([alert('refused-0')]);
      await until('worker', 'gateway_jobs_failed_total', () => true, 'the refused create to fail its job');
    } finally {
      fx.sandbox.faults.clear();
    }

    fx.sandbox.faults.set({ errorStatus: 503, match: creates });
    try {
      await accepted([alert('retried-0')]);
      await until('worker', 'gateway_retry_exhausted_total', () => true, 'the failing create to exhaust its retries');
    } finally {
      fx.sandbox.faults.clear();
    }
    await rrExists('retried-0');

    stub.rejectWhen((event) => {
      const { event_type, event_data } = event as { event_type?: string; event_data?: { resource_name?: string } };
      return event_type === 'gateway.crd.created' && event_data?.resource_name === 'dead-0';
    });
    try {
      await accepted([alert('dead-0')]);
      await until('worker', 'gateway_audit_events_dead_total', () => true, 'a dead-lettered audit event');
    } finally {
      stub.rejectWhen(undefined);
    }

    // The bucket refills at 1/s, so back-to-back deliveries of a full burst soon find it empty.
    const burst = Array.from({ length: RATE_LIMIT_BURST }, (_, index) => alert(`limited-${index}`));
    let limited = false;
    for (let attempt = 0; attempt < 5 && !limited; attempt++) {
      const response = await postWebhook(fx.stack.ingressUrl, fx.stack.token, alertmanagerWebhook(burst), {
        retryUnavailable: false,
      });
      await response.arrayBuffer();
      limited = response.status === 503;
    }
    if (!limited) throw new Error('no delivery was rate limited');
    await until('ingress', 'gateway_requests_rejected_total', (l) => l.reason === 'rate_limited', 'the rate limit');
    await until('worker', 'gateway_audit_events_total', () => true, 'audit events delivered');
    await Promise.all(APPS.map(scrape));
  } catch (err) {
    const logs = fx.stack.logs();
    await fx.close();
    await stub.close();
    throw new Error(`${(err as Error).message}\n${logs}`);
  }

  return {
    fx,
    scrapes,
    exported: () => ({ ingress: appExports(scrapes.ingress), worker: appExports(scrapes.worker) }),
    async close() {
      await fx.close();
      await stub.close();
    },
  };
}

/** Starts the observed apps before the enclosing suite's tests and stops them after it; call the getter in its tests. */
export function observedAppsOfSuite(): () => ObservedApps {
  let apps: ObservedApps | undefined;
  beforeAll(async () => {
    apps = await startObservedApps();
  }, 120_000);
  afterAll(async () => {
    await apps?.close();
  });
  return () => {
    if (!apps) throw new Error('the observed apps did not start');
    return apps;
  };
}
