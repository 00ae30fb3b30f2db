import {
  type NormalizedSignal,
  SIGNAL_BATCH_JOB_VERSION,
  SIGNAL_QUEUE_NAME,
  type SignalBatchJob,
  signalBatchJobId,
} from '@gateway/contracts';
import { createFingerprinter, type FingerprintSettings } from '@gateway/fingerprint';
import {
  createTestRedis,
  deleteKeysWithPrefix,
  type KubeSandbox,
  sampleSignal,
  startKubeSandbox,
  uniquePrefix,
  waitFor,
} from '@gateway/testkit';
import { KubeConfig } from '@kubernetes/client-node';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditTemplates } from '../audit/audit-templates.js';
import { createRedisWindowStore } from '../dedup/index.js';
import {
  BreakerState,
  type CircuitBreakerSettings,
  createCircuitBreaker,
  createRemediationClient,
  createRemediationProbe,
  DEFAULT_CIRCUIT_BREAKER_SETTINGS,
  DEFAULT_RETRY_POLICY,
} from '../kube/index.js';
import { Outcome, type PipelineDeps, processSignal } from '../pipeline/process-signal.js';
import type { BuildRemediationRequestInput } from '../remediation/index.js';
import { buildRemediationRequest } from '../remediation/index.js';
import { createSignalProcessor } from './signal-processor.js';

const NS = 'kubernaut-system';

/** Adds the signals as one batch job, the way the ingress writes them. */
function addBatch(queue: Queue, signals: NormalizedSignal[]) {
  const enqueuedAt = new Date().toISOString();
  const batch: SignalBatchJob = {
    version: SIGNAL_BATCH_JOB_VERSION,
    signals: signals.map((signal) => ({ signal, enqueuedAt, trace: {} })),
  };
  return queue.add('prometheus', batch, { jobId: signalBatchJobId(batch) });
}

describe('signal processor', () => {
  let sandbox: KubeSandbox;
  let kubeConfig: KubeConfig;
  let redis: Redis;
  const prefix = uniquePrefix('processor');

  const pipelineDeps = (
    client: PipelineDeps['client'],
    build: PipelineDeps['buildRemediationRequest'] = buildRemediationRequest,
  ): PipelineDeps => ({
    fingerprinter: createFingerprinter({ nowMs: Date.now }),
    store: createRedisWindowStore(redis, { prefix }),
    client,
    index: { byFingerprint: () => [], synced: () => true },
    audit: createAuditTemplates(
      { includePayloadInDuplicates: false, maxOriginalPayloadBytes: 65_536, sendEventId: true },
      () => new Date(),
    ),
    buildRemediationRequest: build,
    settings: {
      namespace: NS,
      deliveryDedupTtlMs: 0,
      flushIntervalMs: 1000,
      fingerprint: { strategy: 'default', rules: [], clusterScoped: false },
    },
    now: () => new Date(),
  });

  beforeAll(async () => {
    sandbox = await startKubeSandbox();
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(sandbox.kubeconfig(NS));
    redis = createTestRedis({ maxRetriesPerRequest: null });
  });

  afterAll(async () => {
    sandbox?.faults.clear();
    await sandbox?.close();
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  });

  /** A client that tries each call once, behind a breaker that probes the sandbox (default settings unless given). */
  function singleAttemptClient(settings: CircuitBreakerSettings = DEFAULT_CIRCUIT_BREAKER_SETTINGS) {
    const breaker = createCircuitBreaker({
      name: 'k8s-api',
      settings: () => settings,
      probe: createRemediationProbe(kubeConfig, { namespace: NS, requestTimeoutMs: () => 2000 }),
    });
    const client = createRemediationClient(kubeConfig, {
      policy: () => ({ ...DEFAULT_RETRY_POLICY, maxAttempts: 1 }),
      breaker,
    });
    return { client, breaker };
  }

  it('parks a job at the open breaker without spending attempts, so the first real retry waits the initial delay', async () => {
    // Only the probe can end this outage: openDuration is far beyond the test.
    const { client, breaker } = singleAttemptClient({
      ...DEFAULT_CIRCUIT_BREAKER_SETTINGS,
      minRequests: 2,
      openDurationMs: 600_000,
      probeIntervalMs: 100,
    });
    const pipeline = pipelineDeps(client);
    let parked = 0;
    const processor = createSignalProcessor({
      jobDeps: () => ({
        pipeline,
        retry: { initialDelayMs: 1000, maxDelayMs: 60_000, parkDelayMs: 100 },
      }),
      logger: pino({ level: 'silent' }),
      metrics: { decided: () => undefined, failed: () => undefined, parked: () => parked++ },
    });
    const queue = new Queue(SIGNAL_QUEUE_NAME, { connection: redis, prefix });
    const worker = new Worker(SIGNAL_QUEUE_NAME, processor, { connection: redis, prefix, autorun: false });
    try {
      sandbox.faults.set({ errorStatus: 503 });
      for (const name of ['a', 'b']) await client.get(NS, name).catch(() => undefined);
      expect(breaker.state()).toBe(BreakerState.open);

      const signal = sampleSignal(1);
      const job = await queue.add(
        'alertmanager',
        { signal, enqueuedAt: new Date().toISOString(), trace: {} },
        { jobId: signal.signalId },
      );
      void worker.run();
      await waitFor(() => parked >= 3, { timeoutMs: 15_000, description: 'the job to be parked three times' });

      // The API answers reads again, so the probe half-opens the breaker, but creates still fail.
      sandbox.faults.set({ errorStatus: 503, match: (req) => req.method === 'POST' });
      const retryDelay = async (): Promise<number> => (await queue.getJob(job.id ?? ''))?.delay ?? 0;
      await waitFor(async () => (await retryDelay()) > 100, {
        timeoutMs: 15_000,
        description: 'the failed create to schedule a retry',
      });
      // Attempt 1's delay (1 s ± 10 %), not the 8 s or more that three spent attempts would have grown to.
      expect(await retryDelay()).toBeLessThanOrEqual(1100);

      sandbox.faults.clear();
      await waitFor(async () => (await job.getState()) === 'completed', {
        timeoutMs: 15_000,
        description: 'the job to create its RR once the API is back',
      });
      expect(sandbox.objects(NS)).toHaveLength(1);
    } finally {
      await worker.close();
      await queue.close();
    }
  });

  it('fails only the signal whose RR the API refuses, decides the rest, and a retry runs just that one', async () => {
    const { client } = singleAttemptClient();
    const objectsBefore = sandbox.objects(NS).length;
    // The API server refuses this signal's RR (422: severity must not be empty) until the test lets it through.
    const poison = sampleSignal(202, { signalId: 'poison' });
    let refusePoison = true;
    const build = (input: BuildRemediationRequestInput) => {
      const object = buildRemediationRequest(input);
      return refusePoison && input.signal.signalId === poison.signalId
        ? { ...object, spec: { ...object.spec, severity: '' } }
        : object;
    };
    const failures: string[] = [];
    const decided: string[] = [];
    const pipeline = pipelineDeps(client, build);
    const processor = createSignalProcessor({
      jobDeps: () => ({
        pipeline,
        retry: { initialDelayMs: 1000, maxDelayMs: 60_000, parkDelayMs: 100 },
      }),
      logger: pino({ level: 'silent' }),
      metrics: {
        decided: (_result, job) => decided.push(job.signal.signalId),
        failed: (reason) => failures.push(reason),
        parked: () => undefined,
      },
    });
    const queue = new Queue(SIGNAL_QUEUE_NAME, { connection: redis, prefix });
    const worker = new Worker(SIGNAL_QUEUE_NAME, processor, { connection: redis, prefix, autorun: false });
    try {
      const job = await addBatch(queue, [sampleSignal(201), poison, sampleSignal(203)]);
      void worker.run();
      await waitFor(async () => (await job.getState()) === 'failed', {
        timeoutMs: 15_000,
        description: 'the batch to fail on its poison signal',
      });
      const failed = await queue.getJob(job.id ?? '');
      expect(failed?.failedReason).toMatch(/^1 of 3 signals failed permanently/);
      expect(failures).toEqual(['unprocessable_entity']);
      expect(decided.sort()).toEqual(['signal-201', 'signal-203']);
      expect(sandbox.objects(NS)).toHaveLength(objectsBefore + 2);

      // As a retry from Bull Board: only the poison signal runs again.
      refusePoison = false;
      await failed?.retry();
      await waitFor(async () => (await job.getState()) === 'completed', {
        timeoutMs: 15_000,
        description: 'the retried batch to complete',
      });
      expect(decided.sort()).toEqual(['poison', 'signal-201', 'signal-203']);
      expect(sandbox.objects(NS)).toHaveLength(objectsBefore + 3);
    } finally {
      await worker.close();
      await queue.close();
    }
  });
  it('fingerprints each signal once, and settles alone a signal whose fingerprint throws while its neighbours are decided', async () => {
    const { client } = singleAttemptClient();
    // Every fingerprint computation reads `rules` once; the rule for FingerprintFault throws while `faulty`.
    let computations = 0;
    let faulty = true;
    const faultRule = {
      match: { signalName: 'FingerprintFault' },
      get extraLabels(): string[] {
        if (faulty) throw new Error('fingerprint fault');
        return [];
      },
    };
    const fingerprint: FingerprintSettings = {
      strategy: 'default',
      clusterScoped: false,
      get rules() {
        computations += 1;
        return [faultRule];
      },
    };
    const base = pipelineDeps(client);
    const decided: string[] = [];
    const processor = createSignalProcessor({
      // Far beyond the test: the retry runs when the test promotes it.
      jobDeps: () => ({
        pipeline: { ...base, settings: { ...base.settings, fingerprint } },
        retry: { initialDelayMs: 600_000, maxDelayMs: 600_000, parkDelayMs: 100 },
      }),
      logger: pino({ level: 'silent' }),
      metrics: {
        decided: (_result, job) => decided.push(job.signal.signalId),
        failed: () => undefined,
        parked: () => undefined,
      },
    });
    const queue = new Queue(SIGNAL_QUEUE_NAME, { connection: redis, prefix });
    const worker = new Worker(SIGNAL_QUEUE_NAME, processor, { connection: redis, prefix, autorun: false });
    try {
      const job = await addBatch(queue, [
        sampleSignal(301),
        sampleSignal(302, { signalName: 'FingerprintFault' }),
        sampleSignal(303),
      ]);
      void worker.run();
      await waitFor(async () => (await job.getState()) === 'delayed', {
        timeoutMs: 15_000,
        description: 'the batch to wait for a retry of its faulty signal',
      });
      expect(decided.sort()).toEqual(['signal-301', 'signal-303']);
      // Three to group the job, then the faulty signal's again in processSignal, which settles it as an error.
      expect(computations).toBe(4);

      faulty = false;
      await job.promote();
      await waitFor(async () => (await job.getState()) === 'completed', {
        timeoutMs: 15_000,
        description: 'the retried batch to complete',
      });
      expect(decided.sort()).toEqual(['signal-301', 'signal-302', 'signal-303']);
      expect(computations).toBe(5);
    } finally {
      await worker.close();
      await queue.close();
    }
  });

  it('decides a signal alike with or without a precomputed fingerprint', async () => {
    const { client } = singleAttemptClient();
    const deps = pipelineDeps(client);
    const first = sampleSignal(401);
    const twin = sampleSignal(401, { signalId: 'signal-401-twin', requestId: 'request-401-twin' });
    const expected = await deps.fingerprinter.fingerprint(first, deps.settings.fingerprint);

    const created = await processSignal(first, { attempt: 1, jobId: first.signalId }, deps);
    expect(created).toMatchObject({ outcome: Outcome.created, fingerprint: expected.fingerprint });
    const duplicate = await processSignal(twin, { attempt: 1, jobId: twin.signalId }, deps, expected);
    expect(duplicate).toMatchObject({
      outcome: Outcome.deduplicated,
      fingerprint: expected.fingerprint,
      rr: created.rr,
    });
  });

  it('counts a batch of duplicates in one step and keeps each fingerprint in job order around a claim', async () => {
    const { client } = singleAttemptClient();
    const objectsBefore = sandbox.objects(NS).length;
    const outcomes: string[] = [];
    const pipeline = pipelineDeps(client);
    const processor = createSignalProcessor({
      jobDeps: () => ({
        pipeline,
        retry: { initialDelayMs: 1000, maxDelayMs: 60_000, parkDelayMs: 100 },
      }),
      logger: pino({ level: 'silent' }),
      metrics: {
        decided: (result, job) => outcomes.push(`${job.signal.signalId} ${result.outcome} ${result.count ?? '-'}`),
        failed: () => undefined,
        parked: () => undefined,
      },
    });
    const queue = new Queue(SIGNAL_QUEUE_NAME, { connection: redis, prefix });
    const worker = new Worker(SIGNAL_QUEUE_NAME, processor, { connection: redis, prefix, autorun: false });
    const open = (id: string) => sampleSignal(501, { signalId: id, requestId: `request-${id}` });
    const fresh = (id: string) => sampleSignal(502, { signalId: id, requestId: `request-${id}` });
    try {
      void worker.run();
      const first = await addBatch(queue, [open('open-1')]);
      await waitFor(async () => (await first.getState()) === 'completed', { description: 'the first RR' });
      const resolved = sampleSignal(502, { signalId: 'fresh-3', requestId: 'request-fresh-3', status: 'resolved' });
      const job = await addBatch(queue, [open('open-2'), fresh('fresh-1'), open('open-3'), fresh('fresh-2'), resolved]);
      await waitFor(async () => (await job.getState()) === 'completed', { description: 'the mixed batch' });
      // The open window's duplicates are counted in the batched step; the new fingerprint's claim runs first and
      // its duplicate after it, as the job has them.
      expect(outcomes).toEqual([
        'open-1 created 1',
        'open-2 deduplicated 2',
        'open-3 deduplicated 3',
        'fresh-1 created 1',
        'fresh-2 deduplicated 2',
        'fresh-3 resolved -',
      ]);
      expect(sandbox.objects(NS)).toHaveLength(objectsBefore + 2);
    } finally {
      await worker.close();
      await queue.close();
    }
  });
});
