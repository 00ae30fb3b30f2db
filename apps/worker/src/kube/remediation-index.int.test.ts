import { formatTimestamp, TERMINAL_PHASES } from '@gateway/contracts';
import { type KubeSandbox, sampleRemediationRequest, startKubeSandbox, waitFor } from '@gateway/testkit';
import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HoldTerminalOptions } from './hold-terminal.js';
import { createRemediationIndex, type ManagedRemediationIndex } from './remediation-index.js';

const namespace = 'kubernaut-system';

interface Closable {
  fingerprint: string;
  rrName: string;
  deleted: boolean;
}

let sandbox: KubeSandbox;
let kubeConfig: KubeConfig;
let api: CustomObjectsApi;
const indexes: ManagedRemediationIndex[] = [];

beforeAll(async () => {
  sandbox = await startKubeSandbox();
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(sandbox.kubeconfig(namespace));
  api = kubeConfig.makeApiClient(CustomObjectsApi);
});

afterEach(async () => {
  await Promise.all(indexes.splice(0).map((index) => index.stop()));
});

afterAll(async () => {
  await sandbox?.close();
});

let counter = 0;

/** The test plays the Remediation Orchestrator: it creates RRs and moves their phase. */
async function createRr(status?: Record<string, unknown>) {
  counter += 1;
  const rr = sampleRemediationRequest({ problem: `index-test-${counter}-${Date.now()}` });
  rr.metadata.name = `${rr.metadata.name.slice(0, 16)}-${String(counter).padStart(8, '0')}`;
  (rr.metadata as Record<string, unknown>).annotations = { 'kubernaut.ai/dedup-window-seq': String(counter) };
  await api.createNamespacedCustomObject({
    group: 'kubernaut.ai',
    version: 'v1alpha1',
    namespace,
    plural: 'remediationrequests',
    body: rr,
  });
  if (status) await setStatus(rr.metadata.name, status);
  return { name: rr.metadata.name, fingerprint: rr.spec.signalFingerprint as string, seq: counter };
}

async function setStatus(name: string, status: Record<string, unknown>) {
  await api.patchNamespacedCustomObjectStatus(
    { group: 'kubernaut.ai', version: 'v1alpha1', namespace, plural: 'remediationrequests', name, body: { status } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

async function deleteRr(name: string) {
  await api.deleteNamespacedCustomObject({
    group: 'kubernaut.ai',
    version: 'v1alpha1',
    namespace,
    plural: 'remediationrequests',
    name,
  });
}

async function startIndex(hold: HoldTerminalOptions = { manualReview: false, backoff: false }) {
  const closable: Closable[] = [];
  const warnings: string[] = [];
  const index = createRemediationIndex(kubeConfig, {
    namespace,
    holdTerminal: () => hold,
    onClosable: (fingerprint, rrName, deleted) => closable.push({ fingerprint, rrName, deleted }),
    logger: { warn: (_, message) => warnings.push(message) },
    restartBackoffMs: { initial: 50, max: 200 },
  });
  indexes.push(index);
  expect(index.synced()).toBe(false);
  await index.start();
  expect(index.synced()).toBe(true);
  return { index, closable, warnings };
}

describe('createRemediationIndex against the kube sandbox', () => {
  it('holds the RRs of the initial list without reporting already-terminal ones', async () => {
    const open = await createRr({
      overallPhase: 'Processing',
      deduplication: {
        firstSeenAt: '2025-01-02T03:00:00.000Z',
        lastSeenAt: '2025-01-02T03:00:00.000Z',
        occurrenceCount: 3,
      },
    });
    const done = await createRr({ overallPhase: 'Completed' });
    const { index, closable } = await startIndex();
    expect(index.byFingerprint(open.fingerprint)).toEqual([
      {
        name: open.name,
        namespace,
        fingerprint: open.fingerprint,
        phase: 'Processing',
        terminal: false,
        seq: open.seq,
        firstSeenAt: '2025-01-02T03:00:00.000Z',
        occurrenceCount: 3,
      },
    ]);
    expect(index.byFingerprint(done.fingerprint)).toMatchObject([
      { name: done.name, phase: 'Completed', terminal: true },
    ]);
    expect(index.byFingerprint('f'.repeat(64))).toEqual([]);
    expect(closable).toEqual([]);
  });

  it('sees RRs created after the initial list, with an empty phase', async () => {
    const { index } = await startIndex();
    const rr = await createRr();
    const [known] = await waitFor(
      () => index.byFingerprint(rr.fingerprint).length === 1 && index.byFingerprint(rr.fingerprint),
    );
    expect(known).toMatchObject({ name: rr.name, phase: '', terminal: false, seq: rr.seq });
  });

  it('reports every terminal phase as closable and no other phase', async () => {
    const { index, closable } = await startIndex();
    const rrs = await Promise.all(TERMINAL_PHASES.map(() => createRr({ overallPhase: 'Pending' })));
    for (const phase of ['Processing', 'Analyzing', 'AwaitingApproval', 'Executing', 'Verifying', 'Blocked']) {
      for (const rr of rrs) await setStatus(rr.name, { overallPhase: phase });
    }
    await waitFor(() => rrs.every((rr) => index.byFingerprint(rr.fingerprint)[0]?.phase === 'Blocked'), {
      description: 'non-terminal phases seen',
    });
    expect(closable).toEqual([]);
    await Promise.all(TERMINAL_PHASES.map((phase, i) => setStatus(rrs[i]?.name ?? '', { overallPhase: phase })));
    await waitFor(() => closable.length === TERMINAL_PHASES.length, { description: 'one closable per terminal phase' });
    expect(closable).toEqual(
      expect.arrayContaining(rrs.map((rr) => ({ fingerprint: rr.fingerprint, rrName: rr.name, deleted: false }))),
    );
    expect(rrs.every((rr) => index.byFingerprint(rr.fingerprint)[0]?.terminal === true)).toBe(true);
  });

  it('reports a deleted RR with deleted=true and forgets it', async () => {
    const { index, closable } = await startIndex();
    const rr = await createRr({ overallPhase: 'Executing' });
    await waitFor(() => index.byFingerprint(rr.fingerprint).length === 1);
    await deleteRr(rr.name);
    await waitFor(() => closable.length === 1, { description: 'closable on delete' });
    expect(closable).toEqual([{ fingerprint: rr.fingerprint, rrName: rr.name, deleted: true }]);
    expect(index.byFingerprint(rr.fingerprint)).toEqual([]);
  });

  it('keeps a window open while manual review is required when holdTerminal.manualReview is on', async () => {
    const { index, closable } = await startIndex({ manualReview: true, backoff: false });
    const rr = await createRr({ overallPhase: 'Executing' });
    await setStatus(rr.name, { overallPhase: 'Completed', completionStatus: { outcome: 'ManualReviewRequired' } });
    await waitFor(() => index.byFingerprint(rr.fingerprint)[0]?.phase === 'Completed');
    expect(index.byFingerprint(rr.fingerprint)[0]?.terminal).toBe(false);
    expect(closable).toEqual([]);
    await setStatus(rr.name, { completionStatus: { outcome: 'Remediated' } });
    await waitFor(() => closable.length === 1, { description: 'closable after review' });
    expect(closable).toEqual([{ fingerprint: rr.fingerprint, rrName: rr.name, deleted: false }]);
  });

  it('closes a window held by backoff once nextAllowedExecution has passed', async () => {
    const { index, closable } = await startIndex({ manualReview: false, backoff: true });
    const rr = await createRr({ overallPhase: 'Executing' });
    const nextAllowedExecution = formatTimestamp(Date.now() + 700);
    await setStatus(rr.name, { overallPhase: 'Failed', routingStatus: { nextAllowedExecution } });
    await waitFor(() => index.byFingerprint(rr.fingerprint)[0]?.phase === 'Failed');
    expect(index.byFingerprint(rr.fingerprint)[0]?.terminal).toBe(false);
    expect(closable).toEqual([]);
    await waitFor(() => closable.length === 1, { description: 'closable after the backoff' });
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(nextAllowedExecution));
    expect(index.byFingerprint(rr.fingerprint)[0]?.terminal).toBe(true);
  });

  it('recovers after the API server stops and starts again', async () => {
    const { index, closable, warnings } = await startIndex();
    const rr = await createRr({ overallPhase: 'Executing' });
    await waitFor(() => index.byFingerprint(rr.fingerprint).length === 1);
    await sandbox.stop();
    try {
      await waitFor(() => warnings.length >= 2, { description: 'informer failures while the API is down' });
    } finally {
      await sandbox.start();
    }
    const later = await createRr();
    await setStatus(rr.name, { overallPhase: 'TimedOut' });
    await waitFor(() => closable.length === 1 && index.byFingerprint(later.fingerprint).length === 1, {
      description: 'index to catch up after the restart',
    });
    expect(closable).toEqual([{ fingerprint: rr.fingerprint, rrName: rr.name, deleted: false }]);
    expect(index.synced()).toBe(true);
  });

  it('relists when its resourceVersion was compacted away and reports RRs deleted meanwhile', async () => {
    const { index, closable, warnings } = await startIndex();
    const rr = await createRr({ overallPhase: 'Executing' });
    await waitFor(() => index.byFingerprint(rr.fingerprint).length === 1);
    const collectionPath = `/apis/kubernaut.ai/v1alpha1/namespaces/${namespace}/remediationrequests`;
    sandbox.faults.set({ outage: true, match: (req) => req.method === 'GET' && req.path === collectionPath });
    try {
      sandbox.dropWatches();
      await waitFor(() => warnings.length >= 1, { description: 'the informer to lose its watch' });
      await deleteRr(rr.name);
      sandbox.compactHistory();
      expect(closable).toEqual([]);
    } finally {
      sandbox.faults.clear();
    }
    await waitFor(() => closable.length === 1, { description: 'closable for the RR deleted while disconnected' });
    expect(closable).toEqual([{ fingerprint: rr.fingerprint, rrName: rr.name, deleted: true }]);
    expect(index.byFingerprint(rr.fingerprint)).toEqual([]);
  });
});
