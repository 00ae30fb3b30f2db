import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  type ConfigRuntime,
  createConfigRuntime,
  type LoadConfigResult,
  loadConfig,
  readinessConfigDetail,
} from '@gateway/config';
import { type NormalizedSignal, SIGNAL_QUEUE_NAME } from '@gateway/contracts';
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
import { type Logger, pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createWorker, type GatewayWorker } from './create-worker.js';
import { createWorkerMetrics } from './metrics.js';
import { type WorkerSettings, workerSettingsFromConfig } from './settings/worker-settings-from-config.js';

const STARTED_NAMESPACE = 'reload-a';
const HOUR_MS = 3_600_000;

interface Settings {
  namespace?: string;
  concurrency?: number;
  sendEventId?: boolean;
  level?: string;
  failedRetention?: string;
  tokenFile?: string;
}

interface RunningWorker {
  worker: GatewayWorker;
  runtime: ConfigRuntime<WorkerSettings>;
  queue: Queue;
  logger: Logger;
  /** What the worker told the reload controller about each finished signal. */
  outcomes: boolean[];
}

describe('createWorker', () => {
  let sandbox: KubeSandbox;
  let kubeConfig: KubeConfig;
  let stub: DataStorageStub;
  let prefix: string;
  let connections: Redis[] = [];
  let running: RunningWorker | undefined;

  const configYaml = (settings: Settings = {}): string =>
    [
      `redis: {prefix: ${prefix}}`,
      `kubernetes: {remediationNamespace: ${settings.namespace ?? STARTED_NAMESPACE}}`,
      `worker: {concurrency: ${settings.concurrency ?? 2}}`,
      `queue: {failedRetention: ${settings.failedRetention ?? '7d'}}`,
      `audit: {dataStorageUrl: '${stub.url}', flushInterval: 100ms, sendEventId: ${settings.sendEventId ?? true}, ` +
        `tokenFile: ${settings.tokenFile ?? '/nonexistent/token'}}`,
      `logging: {level: ${settings.level ?? 'info'}}`,
    ].join('\n');

  const load = (settings: Settings = {}): LoadConfigResult =>
    loadConfig({ env: { GATEWAY_CONFIG: '/etc/gateway/config.yaml' }, readFile: () => configYaml(settings) });

  async function startWorker(settings: Settings = {}): Promise<RunningWorker> {
    const initial = load(settings);
    if (!initial.ok) throw new Error(JSON.stringify(initial.problems));
    const runtime = createConfigRuntime({ initial, build: (snapshot) => workerSettingsFromConfig(snapshot.config) });
    const outcomes: boolean[] = [];
    const connect = () => {
      const connection = createTestRedis();
      connections.push(connection);
      return connection;
    };
    const logger = pino(
      { level: initial.config.logging.level },
      new Writable({ write: (_chunk, _encoding, done) => done() }),
    );
    const worker = createWorker({
      config: runtime,
      reload: {
        readiness: () => readinessConfigDetail(runtime.current().snapshot),
        recordOutcome: (isError) => outcomes.push(isError),
      },
      redis: { commands: connect(), windows: connect(), queue: connect(), audit: connect() },
      kubeConfig,
      logger,
      tracing: NO_TRACING,
      metrics: createWorkerMetrics(),
      podName: 'create-worker-test',
    });
    await worker.start();
    const queue = new Queue(SIGNAL_QUEUE_NAME, { connection: connect(), prefix });
    running = { worker, runtime, queue, logger, outcomes };
    return running;
  }

  const addSignal = (queue: Queue, signal: NormalizedSignal) =>
    queue.add('prometheus', { signal, enqueuedAt: new Date().toISOString(), trace: {} }, { jobId: signal.signalId });

  const completed = async (queue: Queue, jobId: string, state = 'completed'): Promise<void> => {
    await waitFor(async () => (await queue.getJobState(jobId)) === state, {
      timeoutMs: 15_000,
      description: `job ${jobId} ${state}`,
    });
  };

  /** The RR created for the signal's pod. */
  const rrOf = (namespace: string, signal: NormalizedSignal): string | undefined =>
    sandbox
      .objects(namespace)
      .find(
        (object) =>
          (object.spec as { targetResource?: { name?: string } }).targetResource?.name === signal.target?.name,
      )?.metadata.name;

  const createdEventOf = (rrName: string): Record<string, unknown> | undefined =>
    stub
      .events()
      .map((event) => event as Record<string, unknown>)
      .find((event) => event.event_type === 'gateway.crd.created' && event.correlation_id === rrName);

  beforeAll(async () => {
    sandbox = await startKubeSandbox();
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(sandbox.kubeconfig(STARTED_NAMESPACE));
    stub = await startDataStorageStub();
  });

  afterEach(async () => {
    sandbox.faults.clear();
    if (running) {
      await running.worker.stop();
      await running.queue.close();
      running = undefined;
    }
    const [cleaner] = connections;
    if (cleaner) await deleteKeysWithPrefix(cleaner, prefix);
    for (const connection of connections) connection.disconnect();
    connections = [];
  });

  afterAll(async () => {
    await sandbox?.close();
    await stub?.close();
  });

  it('applies a hot change to the jobs that start after the swap while the job in flight finishes on its own snapshot', async () => {
    prefix = uniquePrefix('create-worker');
    const { worker, runtime, queue, logger, outcomes } = await startWorker({ concurrency: 2, sendEventId: true });
    const startedHash = runtime.current().snapshot.configHash;
    expect(worker.concurrency()).toBe(2);

    // The reload lands while the first job waits for the API to create its RR, between its admission and its audit.
    let swap: string | undefined;
    sandbox.faults.set({
      match: (request) => {
        if (swap === undefined && request.method === 'POST' && request.path.endsWith('/remediationrequests'))
          swap = runtime.propose(load({ concurrency: 5, sendEventId: false, level: 'debug' })).result;
        return false;
      },
    });
    const inFlight = sampleSignal(9101);
    await addSignal(queue, inFlight);
    await completed(queue, inFlight.signalId);
    expect(swap).toBe('reloaded');
    expect(worker.concurrency()).toBe(5);
    expect(logger.level).toBe('debug');

    const next = sampleSignal(9102);
    await addSignal(queue, next);
    await completed(queue, next.signalId);

    const inFlightRr = rrOf(STARTED_NAMESPACE, inFlight);
    const nextRr = rrOf(STARTED_NAMESPACE, next);
    expect(inFlightRr).toBeDefined();
    expect(nextRr).toBeDefined();
    const inFlightEvent = await waitFor(() => createdEventOf(inFlightRr ?? ''), { description: 'first created event' });
    const nextEvent = await waitFor(() => createdEventOf(nextRr ?? ''), { description: 'second created event' });
    // audit.sendEventId: the job in flight kept the snapshot it started with, the next one took the new one.
    expect(inFlightEvent.event_id).toEqual(expect.any(String));
    expect(nextEvent).not.toHaveProperty('event_id');
    expect(outcomes).toEqual([false, false]);

    const ready = (await (await worker.app.request('/readyz')).json()) as Record<string, unknown>;
    expect(ready.configHash).toBe(runtime.current().snapshot.configHash);
    expect(ready.configHash).not.toBe(startedHash);
    expect(ready.restartRequired).toEqual([]);
  });

  it('holds a restart-only change: RRs still go to the namespace it started with, and /readyz names the key', async () => {
    prefix = uniquePrefix('create-worker');
    const { worker, runtime, queue } = await startWorker();
    const outcome = runtime.propose(load({ namespace: 'reload-b', concurrency: 3 }));
    expect(outcome).toMatchObject({ result: 'reloaded', restartRequired: ['kubernetes.remediationNamespace'] });
    expect(runtime.current().snapshot.restartRequired).toEqual(['kubernetes.remediationNamespace']);
    // The hot part of the same reload applies.
    expect(worker.concurrency()).toBe(3);

    const signal = sampleSignal(9201);
    await addSignal(queue, signal);
    await completed(queue, signal.signalId);
    expect(rrOf(STARTED_NAMESPACE, signal)).toBeDefined();
    expect(sandbox.objects('reload-b')).toEqual([]);

    const ready = (await (await worker.app.request('/readyz')).json()) as Record<string, unknown>;
    expect(ready).toMatchObject({ status: 'ready', restartRequired: ['kubernetes.remediationNamespace'] });
  });

  it('keeps failed jobs for the queue.failedRetention of the snapshot running when they fail', async () => {
    prefix = uniquePrefix('create-worker');
    const { runtime, queue, outcomes } = await startWorker({ failedRetention: '7d' });
    // A job that failed two hours ago: within 7 days, beyond one hour.
    const failedSet = `${prefix}:${SIGNAL_QUEUE_NAME}:failed`;
    const [client] = connections;
    await client?.zadd(failedSet, Date.now() - 2 * HOUR_MS, 'failed-earlier');

    const first = await queue.add('prometheus', { not: 'a signal' });
    await completed(queue, first.id ?? '', 'failed');
    expect(await client?.zscore(failedSet, 'failed-earlier')).not.toBeNull();

    expect(runtime.propose(load({ failedRetention: '1h' })).result).toBe('reloaded');
    const second = await queue.add('prometheus', { not: 'a signal' });
    await completed(queue, second.id ?? '', 'failed');
    expect(await client?.zscore(failedSet, 'failed-earlier')).toBeNull();
    expect(await client?.zscore(failedSet, first.id ?? '')).not.toBeNull();
    expect(outcomes).toEqual([true, true]);
  });

  it('sends the next audit batch with the Data Storage token file of the running snapshot', async () => {
    prefix = uniquePrefix('create-worker');
    const { runtime, queue } = await startWorker();
    const first = sampleSignal(9301);
    await addSignal(queue, first);
    const firstRr = await waitFor(() => rrOf(STARTED_NAMESPACE, first), { description: 'the first RR' });
    await waitFor(() => createdEventOf(firstRr), { description: 'the first created event' });
    expect(stub.requests().at(-1)?.authorization).toBeUndefined();

    const tokenFile = join(mkdtempSync(join(tmpdir(), 'create-worker-')), 'token');
    writeFileSync(tokenFile, 'reloaded-token\n');
    expect(runtime.propose(load({ tokenFile })).result).toBe('reloaded');
    const next = sampleSignal(9302);
    await addSignal(queue, next);
    const nextRr = await waitFor(() => rrOf(STARTED_NAMESPACE, next), { description: 'the next RR' });
    await waitFor(() => createdEventOf(nextRr), { description: 'the next created event' });
    expect(stub.requests().at(-1)?.authorization).toBe('Bearer reloaded-token');
  });
});
