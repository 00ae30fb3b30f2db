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

interface RunningWorker {
  worker: GatewayWorker;
  queue: Queue;
  metrics: WorkerMetrics;
  namespace: string;
}

/** A scrape target down, told apart only by its `instance`: the address changes, the problem does not. */
const targetDown = (n: number, instance: string): NormalizedSignal =>
  sampleSignal(n, {
    signalId: `similarity-${n}-${Math.random().toString(36).slice(2)}`,
    signalName: 'TargetDown',
    namespace: 'monitoring',
    target: undefined,
    labels: { alertname: 'TargetDown', job: 'node-exporter', namespace: 'monitoring', instance },
  });

describe('similarity fingerprint strategy in the worker', () => {
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

  /** `extraLabels: [instance]` splits windows per address, as many configurations do for scrape targets. */
  async function startWorker(strategy: string, namespace: string): Promise<RunningWorker> {
    prefix = uniquePrefix('similarity-fp');
    const yaml = [
      `redis: {prefix: ${prefix}}`,
      `kubernetes: {remediationNamespace: ${namespace}}`,
      `audit: {dataStorageUrl: '${stub.url}', flushInterval: 100ms, tokenFile: /nonexistent/token}`,
      `fingerprint: {rules: [{match: {signalName: TargetDown}, strategy: ${strategy}, extraLabels: [instance]}]}`,
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
      podName: 'similarity-fingerprint-test',
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
        { jobId: signal.signalId },
      );
      await waitFor(async () => (await run.queue.getJobState(signal.signalId)) === 'completed', {
        timeoutMs: 15_000,
        description: `job ${signal.signalId} completed`,
      });
    }
  }

  const metricValue = async (metrics: WorkerMetrics, name: string, labels: Record<string, string> = {}) => {
    const metric = await metrics.registry.getSingleMetric(name)?.get();
    return (
      metric?.values.find((value) => Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted))
        ?.value ?? 0
    );
  };

  it('opens one RR for two alerts that differ only in their address', async () => {
    const run = await startWorker('similarity', 'similarity-one');
    await process(run, [targetDown(1, '10.0.0.1:9100'), targetDown(2, '10.0.0.2:9100')]);
    const rrs = sandbox.objects(run.namespace);
    expect(rrs).toHaveLength(1);
    const [rr] = rrs;
    if (!rr) throw new Error('no RR');
    expect(rr.metadata.annotations?.[RR_ANNOTATIONS.fingerprintStrategy]).toBe('similarity');
    const providerData = JSON.parse((rr.spec as { providerData: string }).providerData) as Record<string, unknown>;
    expect(providerData).toMatchObject({
      fingerprintStrategy: 'similarity',
      fingerprintRule: 0,
      similarity: { score: 0, maskedLabels: ['instance'], mode: 'enforce' },
    });
    await waitFor(
      () =>
        (sandbox.object(run.namespace, rr.metadata.name)?.status as { deduplication?: { occurrenceCount?: number } })
          ?.deduplication?.occurrenceCount === 2,
      { timeoutMs: 15_000, description: 'the RR to count both addresses' },
    );
    expect(await metricValue(run.metrics, 'gateway_fingerprint_similarity_decisions_total', { result: 'new' })).toBe(1);
    expect(
      await metricValue(run.metrics, 'gateway_fingerprint_similarity_decisions_total', { result: 'matched' }),
    ).toBe(1);
    expect(await metricValue(run.metrics, 'gateway_fingerprint_computed_total', { strategy: 'similarity' })).toBe(2);
  });

  it('keeps one RR per address under the default strategy', async () => {
    const run = await startWorker('default', 'similarity-default');
    await process(run, [targetDown(3, '10.0.0.1:9100'), targetDown(4, '10.0.0.2:9100')]);
    expect(sandbox.objects(run.namespace)).toHaveLength(2);
  });
});
