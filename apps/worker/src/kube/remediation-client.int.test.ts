import { ErrorCode, GatewayError, sha256Hex } from '@gateway/contracts';
import { type KubeSandbox, sampleSignal, startKubeSandbox, waitFor } from '@gateway/testkit';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildRemediationRequest } from '../remediation/build-remediation-request.js';
import { BreakerState, createCircuitBreaker, DEFAULT_CIRCUIT_BREAKER_SETTINGS } from './circuit-breaker.js';
import { createRemediationClient } from './remediation-client.js';
import { createRemediationProbe } from './remediation-probe.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.js';

const namespace = 'kubernaut-system';
const policy: RetryPolicy = {
  ...DEFAULT_RETRY_POLICY,
  maxAttempts: 20,
  initialBackoffMs: 10,
  maxBackoffMs: 50,
  requestTimeoutMs: 2000,
};

let sandbox: KubeSandbox;
let kubeConfig: KubeConfig;

beforeAll(async () => {
  sandbox = await startKubeSandbox();
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(sandbox.kubeconfig(namespace));
});

afterAll(async () => {
  await sandbox?.close();
});

beforeEach(() => {
  sandbox.faults.clear();
});

let problems = 0;

function newRemediation() {
  problems += 1;
  const fingerprint = sha256Hex(`client-test:${problems}:${Date.now()}`);
  const signal = sampleSignal(problems);
  return buildRemediationRequest({ signal, fingerprint, seq: 1, namespace, strategy: 'default', now: new Date() });
}

function newClient(overrides: Partial<RetryPolicy> = {}, breakerOverrides = {}) {
  const breaker = createCircuitBreaker({
    name: 'k8s-api',
    settings: () => ({ ...DEFAULT_CIRCUIT_BREAKER_SETTINGS, ...breakerOverrides }),
  });
  const client = createRemediationClient(kubeConfig, { policy: () => ({ ...policy, ...overrides }), breaker });
  return { client, breaker };
}

describe('createRemediationClient against the kube sandbox', () => {
  it('creates an RR once and reports already-exists for the same name', async () => {
    const { client } = newClient();
    const rr = newRemediation();
    await expect(client.create(rr)).resolves.toBe('created');
    await expect(client.create(rr)).resolves.toBe('already-exists');
    expect(sandbox.objects(namespace).filter((o) => o.metadata.name === rr.metadata.name)).toHaveLength(1);
  });

  it('gets an existing RR and returns undefined for a missing one', async () => {
    const { client } = newClient();
    const rr = newRemediation();
    await client.create(rr);
    const found = await client.get(namespace, rr.metadata.name);
    expect(found?.spec).toEqual(rr.spec);
    await expect(client.get(namespace, 'rr-000000000000-00000000')).resolves.toBeUndefined();
  });

  it('merge-patches only status.deduplication and reports gone for a deleted RR', async () => {
    const { client } = newClient();
    const rr = newRemediation();
    await client.create(rr);
    const before = sandbox.object(namespace, rr.metadata.name);
    const dedup = {
      firstSeenAt: '2025-01-02T03:00:01.000Z',
      lastSeenAt: '2025-01-02T03:09:00.000Z',
      occurrenceCount: 42,
    };
    await expect(client.patchDeduplication(namespace, rr.metadata.name, dedup)).resolves.toBe('ok');
    const after = sandbox.object(namespace, rr.metadata.name);
    expect(after?.status).toEqual({ deduplication: dedup });
    expect(after?.spec).toEqual(before?.spec);
    expect(after?.metadata.labels).toEqual(before?.metadata.labels);
    expect(after?.metadata.annotations).toEqual(before?.metadata.annotations);
    await expect(client.patchDeduplication(namespace, 'rr-000000000000-00000000', dedup)).resolves.toBe('gone');
  });

  it('retries through a period of 503s and succeeds once the API recovers', async () => {
    const { client } = newClient();
    const rr = newRemediation();
    sandbox.faults.set({ errorStatus: 503, match: (req) => req.method === 'POST' });
    sandbox.clearRequestLog();
    const creating = client.create(rr);
    await waitFor(() => sandbox.requestCount({ method: 'POST' }) >= 3, { description: 'three failed creates' });
    sandbox.faults.clear();
    await expect(creating).resolves.toBe('created');
    expect(sandbox.object(namespace, rr.metadata.name)).toBeDefined();
  });

  it('does not retry an object the API rejects as invalid', async () => {
    const { client } = newClient();
    const rr = newRemediation();
    rr.spec.signalFingerprint = 'NOT-A-FINGERPRINT';
    sandbox.clearRequestLog();
    const error = await client.create(rr).catch((e: unknown) => e);
    expect(error).toMatchObject({
      httpStatus: 422,
      errorType: 'unprocessable_entity',
      code: ErrorCode.k8sInvalid,
      retryable: false,
      attempt: 1,
    });
    expect(sandbox.requestCount({ method: 'POST' })).toBe(1);
  });

  it('reports a stopped API as a retryable network error and works again after it restarts', async () => {
    const { client } = newClient({ maxAttempts: 2 });
    await sandbox.stop();
    try {
      const error = await client.get(namespace, 'anything').catch((e: unknown) => e);
      expect(error).toMatchObject({
        errorType: 'network_error',
        code: ErrorCode.k8sNetwork,
        retryable: true,
        attempt: 2,
      });
    } finally {
      await sandbox.start();
    }
    await expect(client.get(namespace, 'anything')).resolves.toBeUndefined();
  });

  it('opens the breaker under repeated failures and stops calling the API', async () => {
    const { client, breaker } = newClient({ maxAttempts: 1 }, { minRequests: 5 });
    sandbox.faults.set({ errorStatus: 500 });
    sandbox.clearRequestLog();
    for (let i = 0; i < 5; i++) await client.get(namespace, 'anything').catch(() => undefined);
    expect(breaker.state()).toBe(BreakerState.open);
    const error = await client.get(namespace, 'anything').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.circuitOpen, retryable: true });
    expect(sandbox.requestCount()).toBe(5);
  });
});

const probeUnavailable = new GatewayError({
  code: ErrorCode.k8sUnavailable,
  operation: 'rr.create',
  errorType: 'service_unavailable',
  retryable: true,
});

describe('remediation probe', () => {
  const probe = () => createRemediationProbe(kubeConfig, { namespace, requestTimeoutMs: () => 2000 })();

  it('resolves while the API serves RemediationRequests and rejects on 503, resets and refused connections', async () => {
    await expect(probe()).resolves.toBeUndefined();
    sandbox.faults.set({ errorStatus: 503 });
    await expect(probe()).rejects.toThrow();
    sandbox.faults.set({ outage: true });
    await expect(probe()).rejects.toThrow();
    sandbox.faults.clear();
    await sandbox.stop();
    await expect(probe()).rejects.toThrow();
    await sandbox.start();
    await expect(probe()).resolves.toBeUndefined();
  });

  it('half-opens the breaker within a probe interval of the API coming back, long before openDuration', async () => {
    const results: string[] = [];
    const breaker = createCircuitBreaker({
      name: 'k8s-api',
      settings: () => ({ ...DEFAULT_CIRCUIT_BREAKER_SETTINGS, minRequests: 2, probeIntervalMs: 100 }),
      probe,
      onProbe: (_name, result) => results.push(result),
    });
    sandbox.faults.set({ errorStatus: 503 });
    for (let i = 0; i < 2; i++) {
      await breaker
        .execute('rr.create', async () => {
          throw probeUnavailable;
        })
        .catch(() => undefined);
    }
    expect(breaker.state()).toBe(BreakerState.open);
    await waitFor(() => results.includes('failure'), { timeoutMs: 10_000, description: 'a probe to fail' });
    expect(breaker.state()).toBe(BreakerState.open);
    sandbox.faults.clear();
    await waitFor(() => breaker.state() === BreakerState.halfOpen, {
      timeoutMs: 10_000,
      description: 'a probe to half-open the breaker',
    });
    expect(results.at(-1)).toBe('success');
    expect(results.filter((r) => r === 'success')).toHaveLength(1);
  });
});
