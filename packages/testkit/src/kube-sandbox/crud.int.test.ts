import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiException,
  ApisApi,
  AuthenticationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrchestratorDriver } from '../orchestrator-driver.js';
import { REFERENCE_CRD_FILE, referencePath } from '../test-data.js';
import { sampleRemediationRequest } from './sample-remediation-request.js';
import { type KubeSandbox, startKubeSandbox } from './server.js';

const group = 'kubernaut.ai';
const version = 'v1alpha1';
const plural = 'remediationrequests';
const namespace = 'kubernaut-system';
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

interface Rr {
  metadata: {
    name: string;
    resourceVersion: string;
    uid: string;
    generation: number;
    creationTimestamp: string;
    labels?: Record<string, string>;
  };
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
}
interface RrList {
  metadata: { resourceVersion: string };
  items: Rr[];
}

/** The API server's Status from a failed client call (client-node 2 keeps the body as text or parsed JSON). */
async function statusOf(call: Promise<unknown>): Promise<{
  code: number;
  reason: string;
  message: string;
  details?: { causes?: { field: string; message: string }[] };
}> {
  const error = await call.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiException);
  const body = (error as ApiException<unknown>).body;
  return typeof body === 'string' ? JSON.parse(body) : (body as never);
}

describe('kube-sandbox CRUD with @kubernetes/client-node', () => {
  let sandbox: KubeSandbox;
  let kc: KubeConfig;
  let api: CustomObjectsApi;
  let kubeconfigPath: string;

  beforeAll(async () => {
    sandbox = await startKubeSandbox({
      tokenReviews: {
        'good-token': { username: 'system:serviceaccount:monitoring:alertmanager', groups: ['system:serviceaccounts'] },
      },
    });
    kubeconfigPath = sandbox.writeKubeconfig(join(mkdtempSync(join(tmpdir(), 'kube-sandbox-')), 'kubeconfig'));
    kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    api = kc.makeApiClient(CustomObjectsApi);
  });
  afterAll(async () => {
    await sandbox.close();
  });

  const create = (body: object, ns = namespace) =>
    api.createNamespacedCustomObject({ group, version, namespace: ns, plural, body }) as Promise<Rr>;
  const get = (name: string) =>
    api.getNamespacedCustomObject({ group, version, namespace, plural, name }) as Promise<Rr>;
  const list = (labelSelector?: string, fieldSelector?: string) =>
    api.listNamespacedCustomObject({
      group,
      version,
      namespace,
      plural,
      labelSelector,
      fieldSelector,
    }) as Promise<RrList>;

  it('writes a kubeconfig pointing at the sandbox with the namespace as default', () => {
    const text = readFileSync(kubeconfigPath, 'utf8');
    expect(text).toContain(sandbox.url);
    expect(text).toContain('insecure-skip-tls-verify: true');
    expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe(namespace);
  });

  it('serves discovery for the CRD group and authentication', async () => {
    const groups = await kc.makeApiClient(ApisApi).getAPIVersions();
    expect(groups.groups.map((g) => g.name)).toEqual(expect.arrayContaining(['kubernaut.ai', 'authentication.k8s.io']));
    const resources = (await (await fetch(`${sandbox.url}/apis/kubernaut.ai/v1alpha1`)).json()) as {
      resources: { name: string; shortNames?: string[]; namespaced: boolean; verbs: string[] }[];
    };
    const rr = resources.resources.find((r) => r.name === 'remediationrequests');
    expect(rr).toMatchObject({ shortNames: ['rr'], namespaced: true });
    expect(rr?.verbs).toEqual(expect.arrayContaining(['create', 'get', 'list', 'watch', 'patch', 'update', 'delete']));
    expect(resources.resources.map((r) => r.name)).toContain('remediationrequests/status');
    const aggregated = await fetch(`${sandbox.url}/apis`, {
      headers: { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' },
    });
    expect(aggregated.headers.get('content-type')).toBe('application/json');
    expect(((await aggregated.json()) as { kind: string }).kind).toBe('APIGroupList');
    expect(((await (await fetch(`${sandbox.url}/version`)).json()) as { major: string }).major).toBe('1');
  });

  it('creates an RR with server-set metadata and drops status on create', async () => {
    const created = await create(
      sampleRemediationRequest({ problem: 'create', status: { overallPhase: 'Completed' } }),
    );
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata.generation).toBe(1);
    expect(Number(created.metadata.resourceVersion)).toBeGreaterThan(0);
    expect(created.metadata.creationTimestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(created.status).toBeUndefined();
    expect((await get(created.metadata.name)).metadata.uid).toBe(created.metadata.uid);
  });

  it('answers 409 AlreadyExists with a Status for a duplicate name', async () => {
    const rr = sampleRemediationRequest({ problem: 'duplicate' });
    await create(rr);
    const status = await statusOf(create(rr));
    expect(status).toMatchObject({
      code: 409,
      reason: 'AlreadyExists',
      details: { name: rr.metadata.name, group, kind: plural },
    });
    expect(status.message).toBe(`remediationrequests.kubernaut.ai "${rr.metadata.name}" already exists`);
  });

  it('answers 422 Invalid with causes from the CRD schema', async () => {
    const rr = sampleRemediationRequest({
      problem: 'invalid',
      spec: { signalFingerprint: 'xyz', targetType: 'openstack' },
    });
    const status = await statusOf(create(rr));
    expect(status).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(status.details?.causes?.map((c) => c.field).sort()).toEqual(['spec.signalFingerprint', 'spec.targetType']);
    expect(status.message).toContain(`spec.signalFingerprint in body should match '^[a-f0-9]{64}$'`);
    expect(sandbox.object(namespace, rr.metadata.name)).toBeUndefined();
  });

  it('rejects invalid names and mismatched namespaces', async () => {
    expect((await statusOf(create(sampleRemediationRequest({ name: 'Bad_Name' })))).code).toBe(422);
    const elsewhere = sampleRemediationRequest({ problem: 'elsewhere', namespace: 'other' });
    expect((await statusOf(create(elsewhere, namespace))).code).toBe(400);
  });

  it('answers 404 NotFound for a missing RR', async () => {
    expect(await statusOf(get('rr-missing'))).toMatchObject({ code: 404, reason: 'NotFound' });
  });

  it('lists with label selectors (=, ==, !=, in, notin, exists) and field selectors', async () => {
    const make = (suffix: string, tier: string) =>
      create(
        sampleRemediationRequest({
          name: `rr-list-${suffix}`,
          problem: `list-${suffix}`,
          labels: { tier, [`only-${suffix}`]: 'y' },
        }),
      );
    const [a] = await Promise.all([make('a', 'gold'), make('b', 'silver'), make('c', 'bronze')]);
    const names = async (labelSelector?: string, fieldSelector?: string) =>
      (await list(labelSelector, fieldSelector)).items
        .map((i) => i.metadata.name)
        .filter((n) => n.startsWith('rr-list-'));
    expect(await names('tier=gold')).toEqual(['rr-list-a']);
    expect(await names('tier==silver')).toEqual(['rr-list-b']);
    expect(await names('tier,tier!=gold')).toEqual(['rr-list-b', 'rr-list-c']);
    expect(await names('tier in (gold, bronze)')).toEqual(['rr-list-a', 'rr-list-c']);
    expect(await names('tier notin (gold,bronze)')).toEqual(['rr-list-b']);
    expect(await names('only-c')).toEqual(['rr-list-c']);
    expect(await names('!only-c,tier')).toEqual(['rr-list-a', 'rr-list-b']);
    expect(await names(undefined, 'metadata.name=rr-list-b')).toEqual(['rr-list-b']);
    expect(await names(undefined, `spec.signalFingerprint=${String(a?.spec.signalFingerprint)}`)).toEqual([
      'rr-list-a',
    ]);
    expect(await names('tier', `metadata.namespace=${namespace},metadata.name!=rr-list-a`)).toEqual([
      'rr-list-b',
      'rr-list-c',
    ]);
    const all = await list();
    expect(Number(all.metadata.resourceVersion)).toBeGreaterThanOrEqual(
      Math.max(...all.items.map((i) => Number(i.metadata.resourceVersion))),
    );
    expect((await statusOf(list(undefined, 'spec.unknownField=x'))).code).toBe(400);
  });

  it('lists across namespaces on the cluster-wide path', async () => {
    await create(sampleRemediationRequest({ name: 'rr-other-ns', namespace: 'team-b' }), 'team-b');
    const all = (await api.listClusterCustomObject({ group, version, plural })) as RrList;
    expect(all.items.some((i) => i.metadata.name === 'rr-other-ns')).toBe(true);
    expect((await list()).items.some((i) => i.metadata.name === 'rr-other-ns')).toBe(false);
  });

  it('pages a list with limit and continue in name order until the token runs out', async () => {
    const ns = 'paging';
    await Promise.all(
      ['c', 'a', 'b'].map((suffix) =>
        create(sampleRemediationRequest({ name: `rr-page-${suffix}`, namespace: ns, problem: `page-${suffix}` }), ns),
      ),
    );
    const page = (limit: number, token?: string) =>
      api.listNamespacedCustomObject({
        group,
        version,
        namespace: ns,
        plural,
        limit,
        _continue: token,
      }) as Promise<RrList & { metadata: { continue?: string; remainingItemCount?: number } }>;
    const first = await page(2);
    expect(first.items.map((i) => i.metadata.name)).toEqual(['rr-page-a', 'rr-page-b']);
    expect(first.metadata.remainingItemCount).toBe(1);
    const second = await page(2, first.metadata.continue);
    expect(second.items.map((i) => i.metadata.name)).toEqual(['rr-page-c']);
    expect(second.metadata.continue).toBeUndefined();
    expect((await page(0)).items).toHaveLength(3);
    expect((await statusOf(page(-1))).code).toBe(400);
    expect((await statusOf(page(1, 'bm90LWEta2V5'))).code).toBe(400);
  });

  it('rejects an update with a stale resourceVersion as 409 Conflict', async () => {
    const created = await create(sampleRemediationRequest({ problem: 'conflict' }));
    const relabelled = {
      ...created,
      metadata: { ...created.metadata, labels: { ...created.metadata.labels, touched: 'yes' } },
    };
    const updated = (await api.replaceNamespacedCustomObject({
      group,
      version,
      namespace,
      plural,
      name: created.metadata.name,
      body: relabelled,
    })) as Rr;
    expect(updated.metadata.labels?.touched).toBe('yes');
    expect(Number(updated.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    const stale = await statusOf(
      api.replaceNamespacedCustomObject({
        group,
        version,
        namespace,
        plural,
        name: created.metadata.name,
        body: relabelled,
      }),
    );
    expect(stale).toMatchObject({ code: 409, reason: 'Conflict' });
  });

  it('rejects spec changes on update and patch (immutable spec) with 422', async () => {
    const created = await create(sampleRemediationRequest({ problem: 'immutable' }));
    const changed = { ...created, spec: { ...created.spec, severity: 'warning' } };
    const put = await statusOf(
      api.replaceNamespacedCustomObject({
        group,
        version,
        namespace,
        plural,
        name: created.metadata.name,
        body: changed,
      }),
    );
    expect(put.code).toBe(422);
    expect(put.message).toContain('spec is immutable after creation');
    const patch = await statusOf(
      api.patchNamespacedCustomObject({
        group,
        version,
        namespace,
        plural,
        name: created.metadata.name,
        body: [{ op: 'replace', path: '/spec/severity', value: 'info' }],
      }),
    );
    expect(patch.code).toBe(422);
    expect((await get(created.metadata.name)).spec.severity).toBe('critical');
  });

  it('merge-patches the status subresource, ignoring spec changes there', async () => {
    const created = await create(sampleRemediationRequest({ problem: 'status-patch' }));
    const dedup = { firstSeenAt: '2026-01-02T03:04:05Z', lastSeenAt: '2026-01-02T03:09:05Z', occurrenceCount: 3 };
    const patched = (await api.patchNamespacedCustomObjectStatus(
      {
        group,
        version,
        namespace,
        plural,
        name: created.metadata.name,
        body: { spec: { severity: 'info' }, status: { deduplication: dedup } },
      },
      mergePatch,
    )) as Rr;
    expect(patched.status).toEqual({ deduplication: dedup });
    expect(patched.spec.severity).toBe('critical');
    expect(patched.metadata.generation).toBe(1);
    const invalidStatus = await statusOf(
      api.patchNamespacedCustomObjectStatus(
        {
          group,
          version,
          namespace,
          plural,
          name: created.metadata.name,
          body: { status: { deduplication: { occurrenceCount: 2 ** 31 } } },
        },
        mergePatch,
      ),
    );
    expect(invalidStatus.code).toBe(422);
    expect(sandbox.object(namespace, created.metadata.name)?.status).toEqual({ deduplication: dedup });
  });

  it('ignores status in patches to the main resource, as the API server does', async () => {
    const created = await create(sampleRemediationRequest({ problem: 'main-patch' }));
    const patched = (await api.patchNamespacedCustomObject(
      {
        group,
        version,
        namespace,
        plural,
        name: created.metadata.name,
        body: { metadata: { labels: { patched: 'yes' } }, status: { overallPhase: 'Failed' } },
      },
      mergePatch,
    )) as Rr;
    expect(patched.metadata.labels?.patched).toBe('yes');
    expect(patched.status).toBeUndefined();
  });

  it('applies JSON patch to the status subresource and rejects a stale resourceVersion in a merge patch', async () => {
    const created = await create(sampleRemediationRequest({ problem: 'json-patch' }));
    const patched = (await api.patchNamespacedCustomObjectStatus({
      group,
      version,
      namespace,
      plural,
      name: created.metadata.name,
      body: [{ op: 'add', path: '/status', value: { overallPhase: 'Pending' } }],
    })) as Rr;
    expect(patched.status).toEqual({ overallPhase: 'Pending' });
    const stale = await statusOf(
      api.patchNamespacedCustomObjectStatus(
        {
          group,
          version,
          namespace,
          plural,
          name: created.metadata.name,
          body: {
            metadata: { resourceVersion: created.metadata.resourceVersion },
            status: { overallPhase: 'Processing' },
          },
        },
        mergePatch,
      ),
    );
    expect(stale.code).toBe(409);
  });

  it('keeps the resourceVersion when a patch changes nothing', async () => {
    const created = await create(sampleRemediationRequest({ problem: 'noop' }));
    const patched = (await api.patchNamespacedCustomObject(
      {
        group,
        version,
        namespace,
        plural,
        name: created.metadata.name,
        body: { metadata: { labels: created.metadata.labels } },
      },
      mergePatch,
    )) as Rr;
    expect(patched.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
  });

  it('deletes an RR and answers 200 with the object', async () => {
    const created = await create(sampleRemediationRequest({ problem: 'delete' }));
    const deleted = (await api.deleteNamespacedCustomObject({
      group,
      version,
      namespace,
      plural,
      name: created.metadata.name,
    })) as Rr;
    expect(deleted.metadata.name).toBe(created.metadata.name);
    expect(sandbox.object(namespace, created.metadata.name)).toBeUndefined();
    expect((await statusOf(get(created.metadata.name))).code).toBe(404);
  });

  it('moves phases through the orchestrator driver without touching the gateway status', async () => {
    const created = await create(sampleRemediationRequest({ problem: 'driver' }));
    await api.patchNamespacedCustomObjectStatus(
      {
        group,
        version,
        namespace,
        plural,
        name: created.metadata.name,
        body: { status: { deduplication: { occurrenceCount: 1 } } },
      },
      mergePatch,
    );
    const driver = createOrchestratorDriver(kubeconfigPath, namespace);
    await driver.setPhase(created.metadata.name, 'Processing');
    expect(sandbox.object(namespace, created.metadata.name)?.status).toEqual({
      overallPhase: 'Processing',
      deduplication: { occurrenceCount: 1 },
    });
    await driver.setPhase(created.metadata.name, 'Completed');
    expect((await get(created.metadata.name)).status?.overallPhase).toBe('Completed');
    await driver.delete(created.metadata.name);
    expect(sandbox.object(namespace, created.metadata.name)).toBeUndefined();
  });

  it('rejects label values and annotation keys a real API server refuses', async () => {
    const badLabel = await statusOf(
      create(sampleRemediationRequest({ problem: 'bad-label', labels: { alertname: 'Pod crash looping' } })),
    );
    expect(badLabel.code).toBe(422);
    expect(badLabel.details?.causes?.[0]?.field).toBe('metadata.labels');
    const long = await statusOf(
      create(sampleRemediationRequest({ problem: 'long-label', labels: { alertname: 'a'.repeat(64) } })),
    );
    expect(long.message).toContain('must be no more than 63 characters');
    const annotated = sampleRemediationRequest({ problem: 'bad-annotation' });
    Object.assign(annotated.metadata, { annotations: { 'Bad Key': 'x' } });
    expect((await statusOf(create(annotated))).code).toBe(422);
  });

  it('holds an RR with finalizers until they are removed, then emits the deletion', async () => {
    const rr = sampleRemediationRequest({ problem: 'finalizer' });
    Object.assign(rr.metadata, { finalizers: ['kubernaut.ai/cleanup'] });
    const created = await create(rr);
    const deleting = (await api.deleteNamespacedCustomObject({
      group,
      version,
      namespace,
      plural,
      name: created.metadata.name,
    })) as Rr & {
      metadata: { deletionTimestamp?: string };
    };
    expect(deleting.metadata.deletionTimestamp).toBeDefined();
    expect(sandbox.object(namespace, created.metadata.name)).toBeDefined();
    await api.patchNamespacedCustomObject(
      { group, version, namespace, plural, name: created.metadata.name, body: { metadata: { finalizers: null } } },
      mergePatch,
    );
    expect(sandbox.object(namespace, created.metadata.name)).toBeUndefined();
  });

  it('stores nothing on dryRun=All and deletes a labelled collection', async () => {
    const dry = (await api.createNamespacedCustomObject({
      group,
      version,
      namespace,
      plural,
      body: sampleRemediationRequest({ name: 'rr-dry' }),
      dryRun: 'All',
    })) as Rr;
    expect(dry.metadata.name).toBe('rr-dry');
    expect(sandbox.object(namespace, 'rr-dry')).toBeUndefined();
    await Promise.all(
      ['x', 'y'].map((s) => create(sampleRemediationRequest({ name: `rr-bulk-${s}`, labels: { bulk: 'yes' } }))),
    );
    const response = await fetch(
      `${sandbox.url}/apis/${group}/${version}/namespaces/${namespace}/${plural}?labelSelector=bulk%3Dyes`,
      { method: 'DELETE' },
    );
    expect(response.status).toBe(200);
    expect(sandbox.objects(namespace).filter((o) => o.metadata.labels?.bulk === 'yes')).toEqual([]);
  });

  it('answers TokenReviews from the configured token map', async () => {
    const auth = kc.makeApiClient(AuthenticationV1Api);
    const good = await auth.createTokenReview({ body: { spec: { token: 'good-token' } } });
    expect(good.status).toMatchObject({
      authenticated: true,
      user: { username: 'system:serviceaccount:monitoring:alertmanager', groups: ['system:serviceaccounts'] },
    });
    const bad = await auth.createTokenReview({ body: { spec: { token: 'nope' } } });
    expect(bad.status?.authenticated).toBe(false);
  });

  it('serves seeded built-in objects for owner-chain lookups', async () => {
    sandbox.seedObject({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'api-0', namespace: 'prod', ownerReferences: [{ kind: 'ReplicaSet', name: 'api-7d9' }] },
    });
    const pod = await kc.makeApiClient(CoreV1Api).readNamespacedPod({ name: 'api-0', namespace: 'prod' });
    expect(pod.metadata?.ownerReferences?.[0]?.name).toBe('api-7d9');
    const missing = await fetch(`${sandbox.url}/apis/apps/v1/namespaces/prod/replicasets/api-7d9`);
    expect(missing.status).toBe(404);
  });

  it('answers a Table with the CRD printer columns when asked as=Table', async () => {
    await create(sampleRemediationRequest({ name: 'rr-table', problem: 'table' }));
    const response = await fetch(
      `${sandbox.url}/apis/kubernaut.ai/v1alpha1/namespaces/${namespace}/remediationrequests/rr-table`,
      {
        headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' },
      },
    );
    const table = (await response.json()) as {
      kind: string;
      columnDefinitions: { name: string }[];
      rows: { cells: unknown[] }[];
    };
    expect(table.kind).toBe('Table');
    const columns = table.columnDefinitions.map((c) => c.name);
    expect(columns.slice(0, 1)).toEqual(['Name']);
    expect(columns).toEqual(expect.arrayContaining(['Phase', 'Alert', 'Age']));
    expect(table.rows[0]?.cells[0]).toBe('rr-table');
    expect(table.rows[0]?.cells[columns.indexOf('Alert')]).toBe('KubePodCrashLooping');
  });

  it('stores exactly what the reference CRD accepts when serving it', async () => {
    const refSandbox = await startKubeSandbox({ crdYaml: readFileSync(referencePath(REFERENCE_CRD_FILE), 'utf8') });
    try {
      const body = JSON.stringify(sampleRemediationRequest({ problem: 'reference' }));
      const url = `${refSandbox.url}/apis/kubernaut.ai/v1alpha1/namespaces/${namespace}/remediationrequests`;
      const ok = await fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
      expect(ok.status).toBe(201);
      const name = sampleRemediationRequest({ problem: 'reference' }).metadata.name;
      const badPhase = await fetch(`${url}/${name}/status`, {
        method: 'PATCH',
        body: JSON.stringify({ status: { overallPhase: 'Dancing' } }),
        headers: { 'Content-Type': 'application/merge-patch+json' },
      });
      expect(badPhase.status).toBe(422);
    } finally {
      await refSandbox.close();
    }
  });
});
