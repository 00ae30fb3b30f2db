import { Writable } from 'node:stream';
import { createConfigRuntime, loadConfig, readinessConfigDetail } from '@gateway/config';
import { type NormalizedSignal, RR_ANNOTATIONS, SIGNAL_QUEUE_NAME } from '@gateway/contracts';
import {
  createTestRedis,
  type DataStorageStub,
  deleteKeysWithPrefix,
  type KubeSandbox,
  sampleSignal,
  startDataStorageStub,
  startKubeSandbox,
  uniquePrefix,
  waitFor,
} from '@gateway/testkit';
import { NO_TRACING } from '@gateway/tracing';
import { KubeConfig } from '@kubernetes/client-node';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createWorker, type GatewayWorker } from './create-worker.js';
import { createWorkerMetrics, type WorkerMetrics } from './metrics.js';
import { workerSettingsFromConfig } from './settings/worker-settings-from-config.js';

/** The namespace the workloads run in; each test writes its RRs to a namespace of its own. */
const APP_NAMESPACE = 'shop';

interface RunningWorker {
  worker: GatewayWorker;
  queue: Queue;
  metrics: WorkerMetrics;
  namespace: string;
}

const podSignal = (n: number, signalName: string, pod: string): NormalizedSignal =>
  sampleSignal(n, {
    signalId: `owner-${n}-${Math.random().toString(36).slice(2)}`,
    signalName,
    namespace: APP_NAMESPACE,
    target: { type: 'kubernetes', kind: 'Pod', name: pod, namespace: APP_NAMESPACE, scope: APP_NAMESPACE },
    labels: { alertname: signalName, pod, namespace: APP_NAMESPACE },
  });

describe('owner fingerprint strategy in the worker', () => {
  let sandbox: KubeSandbox;
  let kubeConfig: KubeConfig;
  let stub: DataStorageStub;
  let prefix: string;
  let connections: Redis[] = [];
  let running: RunningWorker | undefined;

  beforeAll(async () => {
    sandbox = await startKubeSandbox();
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(sandbox.kubeconfig());
    stub = await startDataStorageStub();
    // Deployment web → ReplicaSet web-7d4b9c → two pods, with the controller references the API would hold.
    const controller = (apiVersion: string, kind: string, name: string) => [
      { apiVersion, kind, name, uid: `${kind}-${name}`, controller: true, blockOwnerDeletion: true },
    ];
    sandbox.seedObject({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: APP_NAMESPACE },
    });
    sandbox.seedObject({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: 'web-7d4b9c',
        namespace: APP_NAMESPACE,
        ownerReferences: controller('apps/v1', 'Deployment', 'web'),
      },
    });
    for (const pod of ['web-7d4b9c-x2x9z', 'web-7d4b9c-bcdfg']) {
      sandbox.seedObject({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: pod,
          namespace: APP_NAMESPACE,
          ownerReferences: controller('apps/v1', 'ReplicaSet', 'web-7d4b9c'),
        },
      });
    }
  });

  afterEach(async () => {
    await running?.worker.stop();
    await running?.queue.close();
    running = undefined;
    for (const connection of connections) {
      await deleteKeysWithPrefix(connection, prefix).catch(() => undefined);
      connection.disconnect();
    }
    connections = [];
  });

  afterAll(async () => {
    await sandbox?.close();
    await stub?.close();
  });

  async function startWorker(strategy: string, namespace: string): Promise<RunningWorker> {
    prefix = uniquePrefix('owner-fp');
    const yaml = [
      `redis: {prefix: ${prefix}}`,
      `kubernetes: {remediationNamespace: ${namespace}}`,
      `audit: {dataStorageUrl: '${stub.url}', flushInterval: 100ms, tokenFile: /nonexistent/token}`,
      `fingerprint: {strategy: ${strategy}}`,
    ].join('\n');
    const initial = loadConfig({ env: { GATEWAY_CONFIG: '/gateway.yaml' }, readFile: () => yaml });
    if (!initial.ok) throw new Error(JSON.stringify(initial.problems));
    const runtime = createConfigRuntime({ initial, build: (snapshot) => workerSettingsFromConfig(snapshot.config) });
    const connect = () => {
      const connection = createTestRedis();
      connections.push(connection);
      return connection;
    };
    const metrics = createWorkerMetrics();
    const worker = createWorker({
      config: runtime,
      reload: { readiness: () => readinessConfigDetail(runtime.current().snapshot), recordOutcome: () => undefined },
      redis: { commands: connect(), windows: connect(), queue: connect(), audit: connect() },
      kubeConfig,
      logger: pino({ level: 'silent' }, new Writable({ write: (_chunk, _encoding, done) => done() })),
      tracing: NO_TRACING,
      metrics,
      podName: 'owner-fingerprint-test',
    });
    await worker.start();
    const queue = new Queue(SIGNAL_QUEUE_NAME, { connection: connect(), prefix });
    running = { worker, queue, metrics, namespace };
    return running;
  }

  /** Runs the signals one job after the other, each to completion, as separate deliveries would. */
  async function process(run: RunningWorker, signals: NormalizedSignal[]): Promise<void> {
    for (const signal of signals) {
      await run.queue.add(
        'prometheus',
        { signal, enqueuedAt: new Date().toISOString(), trace: {} },
        {
          jobId: signal.signalId,
        },
      );
      await waitFor(async () => (await run.queue.getJobState(signal.signalId)) === 'completed', {
        timeoutMs: 15_000,
        description: `job ${signal.signalId} completed`,
      });
    }
  }

  const counter = async (metrics: WorkerMetrics, name: string, labels: Record<string, string>): Promise<number> => {
    const metric = await metrics.registry.getSingleMetric(name)?.get();
    return (
      metric?.values.find((value) => Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted))
        ?.value ?? 0
    );
  };

  const providerData = (rr: { spec?: unknown }): Record<string, unknown> =>
    JSON.parse((rr.spec as { providerData: string }).providerData) as Record<string, unknown>;

  it('opens one RR for the Deployment when two of its pods crash-loop and go not-ready', async () => {
    const run = await startWorker('owner', 'owner-one');
    await process(run, [
      podSignal(1, 'KubePodCrashLooping', 'web-7d4b9c-x2x9z'),
      podSignal(2, 'KubePodNotReady', 'web-7d4b9c-bcdfg'),
    ]);
    const rrs = sandbox.objects(run.namespace);
    expect(rrs).toHaveLength(1);
    const [rr] = rrs;
    if (!rr) throw new Error('no RR');
    expect(rr.metadata.annotations?.[RR_ANNOTATIONS.fingerprintStrategy]).toBe('owner');
    expect((rr.spec as { targetResource: unknown }).targetResource).toEqual({
      kind: 'Deployment',
      name: 'web',
      namespace: APP_NAMESPACE,
    });
    expect(providerData(rr)).toMatchObject({
      fingerprintStrategy: 'owner',
      ownerResolution: 'api',
      ownerChain: ['Pod/web-7d4b9c-x2x9z', 'ReplicaSet/web-7d4b9c', 'Deployment/web'],
      signalResource: { kind: 'Pod', name: 'web-7d4b9c-x2x9z', namespace: APP_NAMESPACE },
      signalClass: 'pod-unhealthy',
    });
    await waitFor(
      () =>
        (sandbox.object(run.namespace, rr.metadata.name)?.status as { deduplication?: { occurrenceCount?: number } })
          ?.deduplication?.occurrenceCount === 2,
      { timeoutMs: 15_000, description: 'the RR to count both pods' },
    );
    // The audit trail says which strategy decided and why, and Data Storage's contract accepts it.
    const auditOf = (eventType: string) =>
      stub
        .events()
        .map((event) => event as { event_type?: string; event_data?: Record<string, unknown> })
        .find(
          (event) =>
            event.event_type === eventType &&
            event.event_data?.remediation_request === `${run.namespace}/${rr.metadata.name}`,
        );
    await waitFor(() => auditOf('gateway.signal.deduplicated') !== undefined, {
      timeoutMs: 15_000,
      description: 'the audit of the second pod',
    });
    expect(auditOf('gateway.crd.created')?.event_data).toMatchObject({
      fingerprint_strategy: 'owner',
      fingerprint_evidence: { ownerResolution: 'api', signalClass: 'pod-unhealthy' },
    });
    expect(auditOf('gateway.signal.deduplicated')?.event_data).toMatchObject({
      resource_name: 'web-7d4b9c-bcdfg',
      fingerprint_evidence: { ownerChain: ['Pod/web-7d4b9c-bcdfg', 'ReplicaSet/web-7d4b9c', 'Deployment/web'] },
    });
    expect(await counter(run.metrics, 'gateway_fingerprint_computed_total', { strategy: 'owner' })).toBe(2);
    expect(await counter(run.metrics, 'gateway_owner_resolution_total', { outcome: 'api' })).toBe(2);
    // Metadata only, and each object once: the second pod's ReplicaSet and Deployment came from the cache.
    const lookups = sandbox.requests().filter((req) => req.path.includes(`/namespaces/${APP_NAMESPACE}/`));
    expect(lookups.map((req) => req.path.split('/').slice(-2).join('/')).sort()).toEqual([
      'deployments/web',
      'pods/web-7d4b9c-bcdfg',
      'pods/web-7d4b9c-x2x9z',
      'replicasets/web-7d4b9c',
    ]);
  });

  it('names the Deployment from the pod name when the API has no such pod', async () => {
    const run = await startWorker('owner', 'owner-heuristic');
    await process(run, [podSignal(3, 'KubePodCrashLooping', 'cart-5f7b8c9d4x-zzzzz')]);
    const [rr] = sandbox.objects(run.namespace);
    if (!rr) throw new Error('no RR');
    expect((rr.spec as { targetResource: unknown }).targetResource).toEqual({
      kind: 'Deployment',
      name: 'cart',
      namespace: APP_NAMESPACE,
    });
    expect(providerData(rr)).toMatchObject({
      ownerResolution: 'heuristic',
      ownerChain: ['Pod/cart-5f7b8c9d4x-zzzzz', 'Deployment/cart'],
    });
    expect(await counter(run.metrics, 'gateway_owner_resolution_total', { outcome: 'heuristic' })).toBe(1);
  });

  it('keeps one RR per pod under the default strategy', async () => {
    const run = await startWorker('default', 'owner-default');
    await process(run, [
      podSignal(4, 'KubePodCrashLooping', 'web-7d4b9c-x2x9z'),
      podSignal(5, 'KubePodNotReady', 'web-7d4b9c-bcdfg'),
    ]);
    const rrs = sandbox.objects(run.namespace);
    expect(rrs).toHaveLength(2);
    expect(rrs.map((rr) => rr.metadata.annotations?.[RR_ANNOTATIONS.fingerprintStrategy])).toEqual([
      'default',
      'default',
    ]);
    expect(rrs.map((rr) => (rr.spec as { targetResource: { kind: string } }).targetResource.kind)).toEqual([
      'Pod',
      'Pod',
    ]);
    expect(await counter(run.metrics, 'gateway_fingerprint_computed_total', { strategy: 'default' })).toBe(2);
  });
});
