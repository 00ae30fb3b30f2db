import {
  ApiException,
  CustomObjectsApi,
  KubeConfig,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleRemediationRequest } from './sample-remediation-request.js';
import { type KubeSandbox, startKubeSandbox } from './server.js';

const group = 'kubernaut.ai';
const version = 'v1alpha1';
const plural = 'remediationrequests';
const namespace = 'kubernaut-system';
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

async function eventually(check: () => void, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

const failureOf = (call: Promise<unknown>): Promise<unknown> =>
  call.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );

describe('kube-sandbox fault injection and restarts', () => {
  let sandbox: KubeSandbox;
  let kc: KubeConfig;
  let api: CustomObjectsApi;
  // Alternating 0.1 / 0.9 makes a 0.5 error rate fail exactly every other request.
  let tick = 0;

  beforeAll(async () => {
    sandbox = await startKubeSandbox({ random: () => (tick++ % 2 === 0 ? 0.1 : 0.9) });
    kc = new KubeConfig();
    kc.loadFromString(sandbox.kubeconfig());
    api = kc.makeApiClient(CustomObjectsApi);
  });
  afterAll(async () => {
    await sandbox.close();
  });

  const get = (name: string) => api.getNamespacedCustomObject({ group, version, namespace, plural, name });
  const create = (name: string) =>
    api.createNamespacedCustomObject({ group, version, namespace, plural, body: sampleRemediationRequest({ name }) });

  it('delays responses by the injected latency', async () => {
    await create('rr-latency');
    sandbox.faults.set({ latencyMs: 300 });
    const started = performance.now();
    await get('rr-latency');
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    // Cleared, a latency far beyond any slowness of a loaded machine must be gone.
    sandbox.faults.set({ latencyMs: 30_000 });
    sandbox.faults.clear();
    const fast = performance.now();
    await get('rr-latency');
    expect(performance.now() - fast).toBeLessThan(10_000);
  });

  it('answers 503 with Retry-After for every request when errorStatus is set alone', async () => {
    sandbox.faults.set({ errorStatus: 503, retryAfterSeconds: 7 });
    const error = await failureOf(get('rr-latency'));
    expect(error).toBeInstanceOf(ApiException);
    expect((error as ApiException<unknown>).code).toBe(503);
    const raw = await fetch(`${sandbox.url}/apis/${group}/${version}/namespaces/${namespace}/${plural}`);
    expect(raw.status).toBe(503);
    expect(raw.headers.get('retry-after')).toBe('7');
    expect(await raw.json()).toMatchObject({
      kind: 'Status',
      reason: 'ServiceUnavailable',
      code: 503,
      details: { retryAfterSeconds: 7 },
    });
    sandbox.faults.clear();
  });

  it('fails the configured share of requests at an error rate', async () => {
    sandbox.faults.set({ errorRate: 0.5, errorStatus: 429 });
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () =>
        get('rr-latency').then(
          () => 200,
          (e: ApiException<unknown>) => e.code,
        ),
      ),
    );
    sandbox.faults.clear();
    expect(outcomes.filter((code) => code === 429)).toHaveLength(10);
    expect(outcomes.filter((code) => code === 200)).toHaveLength(10);
  });

  it('limits faults to matching requests', async () => {
    await create('rr-match');
    sandbox.faults.set({ errorStatus: 500, match: (r) => r.method === 'PATCH' && r.path.endsWith('/status') });
    const patch = failureOf(
      api.patchNamespacedCustomObjectStatus(
        { group, version, namespace, plural, name: 'rr-match', body: { status: { overallPhase: 'Pending' } } },
        mergePatch,
      ),
    );
    expect(((await patch) as ApiException<unknown>).code).toBe(500);
    await expect(get('rr-match')).resolves.toBeDefined();
    sandbox.faults.clear();
  });

  it('resets connections during an outage and recovers when cleared', async () => {
    sandbox.faults.set({ outage: true });
    const error = await failureOf(get('rr-latency'));
    expect(error).not.toBeInstanceOf(ApiException);
    sandbox.faults.clear();
    await expect(get('rr-latency')).resolves.toBeDefined();
  });

  it('counts requests by method and path', async () => {
    sandbox.clearRequestLog();
    await create('rr-count');
    await get('rr-count');
    await get('rr-count');
    expect(
      sandbox.requestCount({
        method: 'GET',
        path: `/apis/${group}/${version}/namespaces/${namespace}/${plural}/rr-count`,
      }),
    ).toBe(2);
    expect(sandbox.requestCount({ method: 'POST' })).toBe(1);
    expect(sandbox.requestCount()).toBe(3);
  });

  it('keeps the store across stop/start on the same port, refusing connections while stopped', async () => {
    await create('rr-survives');
    const port = sandbox.port;
    await sandbox.stop();
    expect(await failureOf(get('rr-survives'))).not.toBeInstanceOf(ApiException);
    await sandbox.start();
    expect(sandbox.port).toBe(port);
    await expect(get('rr-survives')).resolves.toMatchObject({ metadata: { name: 'rr-survives' } });
  });

  it('lets an informer restarted from its error handler resume after an API restart', async () => {
    const path = `/apis/${group}/${version}/namespaces/${namespace}/${plural}`;
    const informer = makeInformer(kc, path, () =>
      api.listNamespacedCustomObject({ group, version, namespace, plural }),
    );
    const errors: unknown[] = [];
    // client-node's informer does not restart itself after a connection error; its owner must
    // (docs/kubernetes-access.md#informer).
    informer.on('error', (err) => {
      errors.push(err);
      setTimeout(() => void informer.start().catch(() => {}), 100);
    });
    await informer.start();
    try {
      await eventually(() => expect(sandbox.openWatchCount()).toBe(1));
      await sandbox.stop();
      await eventually(() => expect(errors.length).toBeGreaterThan(0));
      await sandbox.start();
      await create('rr-after-restart');
      await eventually(() => expect(informer.get('rr-after-restart', namespace)).toBeDefined());
    } finally {
      await informer.stop();
    }
  });

  it('ends open watches on dropWatches and the informer reconnects by itself', async () => {
    const path = `/apis/${group}/${version}/namespaces/${namespace}/${plural}`;
    const informer = makeInformer(kc, path, () =>
      api.listNamespacedCustomObject({ group, version, namespace, plural }),
    );
    informer.on('error', () => {});
    await informer.start();
    try {
      await eventually(() => expect(sandbox.openWatchCount()).toBe(1));
      const watchRequests = () => sandbox.requestCount((r) => r.path === path && r.query.includes('watch=true'));
      const before = watchRequests();
      sandbox.dropWatches();
      await eventually(() => expect(watchRequests()).toBeGreaterThan(before));
      await create('rr-after-drop');
      await eventually(() => expect(informer.get('rr-after-drop', namespace)).toBeDefined());
    } finally {
      await informer.stop();
    }
  });
});
