import {
  CustomObjectsApi,
  KubeConfig,
  type KubernetesObject,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  Watch,
} from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sampleRemediationRequest } from './sample-remediation-request.js';
import { type KubeSandbox, startKubeSandbox } from './server.js';

const group = 'kubernaut.ai';
const version = 'v1alpha1';
const plural = 'remediationrequests';
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

interface WatchEvent {
  type: string;
  name: string | undefined;
  resourceVersion: string | undefined;
  code?: number;
}

/** Polls until check() passes or the deadline expires (never a fixed sleep). */
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

describe('kube-sandbox watch', () => {
  let sandbox: KubeSandbox;
  let kc: KubeConfig;
  let api: CustomObjectsApi;
  let counter = 0;
  const cleanups: (() => unknown)[] = [];
  // Each test uses its own namespace, so events from other tests never reach its watches.
  let namespace = '';

  beforeAll(async () => {
    sandbox = await startKubeSandbox({ bookmarkIntervalMs: 100 });
    kc = new KubeConfig();
    kc.loadFromString(sandbox.kubeconfig());
    api = kc.makeApiClient(CustomObjectsApi);
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
    counter += 1;
  });
  afterAll(async () => {
    await sandbox.close();
  });

  const ns = (): string => {
    namespace = `watch-${counter}`;
    return namespace;
  };
  const create = async (name: string, labels: Record<string, string> = {}) =>
    (await api.createNamespacedCustomObject({
      group,
      version,
      namespace,
      plural,
      body: sampleRemediationRequest({ name, namespace, labels }),
    })) as KubernetesObject;
  const path = () => `/apis/${group}/${version}/namespaces/${namespace}/${plural}`;

  function startWatch(query: Record<string, string | number | boolean | undefined>): {
    events: WatchEvent[];
    done: Promise<unknown>;
  } {
    const events: WatchEvent[] = [];
    let finish: (err: unknown) => void = () => {};
    const done = new Promise<unknown>((resolve) => {
      finish = resolve;
    });
    const controller = new Watch(kc).watch(
      path(),
      query,
      (type, obj: { metadata?: { name?: string; resourceVersion?: string }; code?: number }) => {
        events.push({
          type,
          name: obj.metadata?.name,
          resourceVersion: obj.metadata?.resourceVersion,
          ...(obj.code !== undefined ? { code: obj.code } : {}),
        });
      },
      (err) => finish(err),
    );
    cleanups.push(async () => (await controller).abort());
    return { events, done };
  }

  it('replays ADDED, MODIFIED and DELETED from a resourceVersion', async () => {
    ns();
    const first = await create('rr-a');
    await create('rr-b');
    await api.patchNamespacedCustomObjectStatus(
      { group, version, namespace, plural, name: 'rr-b', body: { status: { overallPhase: 'Pending' } } },
      mergePatch,
    );
    await api.deleteNamespacedCustomObject({ group, version, namespace, plural, name: 'rr-a' });
    const { events } = startWatch({ resourceVersion: first.metadata?.resourceVersion });
    await eventually(() =>
      expect(events.map((e) => `${e.type} ${e.name}`)).toEqual(['ADDED rr-b', 'MODIFIED rr-b', 'DELETED rr-a']),
    );
    const versions = events.map((e) => Number(e.resourceVersion));
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    await create('rr-c');
    await eventually(() => expect(events.at(-1)).toMatchObject({ type: 'ADDED', name: 'rr-c' }));
  });

  it('sends synthetic ADDED for current objects when no resourceVersion is given', async () => {
    ns();
    await create('rr-x');
    const { events } = startWatch({});
    await eventually(() => expect(events.map((e) => `${e.type} ${e.name}`)).toEqual(['ADDED rr-x']));
  });

  it('answers a compacted resourceVersion with an ERROR 410 Gone event and ends the stream', async () => {
    ns();
    const first = await create('rr-old');
    await create('rr-new');
    sandbox.compactHistory();
    const { events, done } = startWatch({ resourceVersion: first.metadata?.resourceVersion });
    await done;
    expect(events).toEqual([expect.objectContaining({ type: 'ERROR', code: 410 })]);
  });

  it('turns MODIFIED into ADDED or DELETED as objects enter or leave a label selection', async () => {
    ns();
    await create('rr-sel', { tier: 'silver' });
    const { events } = startWatch({
      labelSelector: 'tier=gold',
      resourceVersion: String(sandbox.objects(namespace)[0]?.metadata.resourceVersion),
    });
    const relabel = (tier: string) =>
      api.patchNamespacedCustomObject(
        { group, version, namespace, plural, name: 'rr-sel', body: { metadata: { labels: { tier } } } },
        mergePatch,
      );
    await relabel('gold');
    await eventually(() => expect(events.map((e) => e.type)).toEqual(['ADDED']));
    await relabel('silver');
    await eventually(() => expect(events.map((e) => e.type)).toEqual(['ADDED', 'DELETED']));
  });

  it('sends BOOKMARK events when allowWatchBookmarks is set', async () => {
    ns();
    const created = await create('rr-bm');
    const { events } = startWatch({ resourceVersion: created.metadata?.resourceVersion, allowWatchBookmarks: true });
    await eventually(() =>
      expect(
        events.some(
          (e) => e.type === 'BOOKMARK' && Number(e.resourceVersion) >= Number(created.metadata?.resourceVersion),
        ),
      ).toBe(true),
    );
  });

  it('ends the stream after timeoutSeconds', async () => {
    ns();
    const started = Date.now();
    const { done } = startWatch({ timeoutSeconds: 1 });
    expect(await done).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('lets an informer relist after 410 Gone and see what it missed', async () => {
    ns();
    await create('rr-inf-1');
    const informer = makeInformer(kc, path(), () =>
      api.listNamespacedCustomObject({ group, version, namespace, plural }),
    );
    const seen = new Set<string>();
    informer.on('add', (obj) => seen.add(obj.metadata?.name ?? ''));
    informer.on('error', () => {});
    await informer.start();
    cleanups.push(() => informer.stop());
    await eventually(() => expect(seen.has('rr-inf-1')).toBe(true));
    await eventually(() => expect(sandbox.openWatchCount()).toBeGreaterThan(0));

    const lists = () =>
      sandbox.requestCount((r) => r.method === 'GET' && r.path === path() && !r.query.includes('watch=true'));
    const watches = () => sandbox.requestCount((r) => r.path === path() && r.query.includes('watch=true'));
    const listsBefore = lists();
    const watchesBefore = watches();
    // Hold the informer's reconnect until the history it would resume from is gone; the create and compaction
    // below take milliseconds, the hold is long enough for a loaded machine.
    sandbox.faults.set({ latencyMs: 3_000, match: (r) => r.query.includes('watch=true') });
    sandbox.dropWatches();
    await eventually(() => expect(watches()).toBeGreaterThan(watchesBefore));
    await api.createNamespacedCustomObject({
      group,
      version,
      namespace,
      plural,
      body: sampleRemediationRequest({ name: 'rr-inf-2', namespace }),
    });
    sandbox.compactHistory();
    sandbox.faults.clear();

    await eventually(() => expect(informer.get('rr-inf-2', namespace)).toBeDefined());
    expect(lists()).toBeGreaterThan(listsBefore);
  });
});
