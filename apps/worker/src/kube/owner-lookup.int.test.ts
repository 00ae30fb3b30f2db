import { type ObjectRef, OwnerLookupUnavailable } from '@gateway/fingerprint';
import { type KubeSandbox, startKubeSandbox } from '@gateway/testkit';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BreakerState, createCircuitBreaker, DEFAULT_CIRCUIT_BREAKER_SETTINGS } from './circuit-breaker.js';
import { createOwnerLookup } from './owner-lookup.js';

const pod = (name: string, clusterId = ''): ObjectRef => ({
  clusterId,
  apiVersion: 'v1',
  kind: 'Pod',
  namespace: 'shop',
  name,
});

describe('createOwnerLookup', () => {
  let sandbox: KubeSandbox;
  let kubeConfig: KubeConfig;

  beforeAll(async () => {
    sandbox = await startKubeSandbox();
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(sandbox.kubeconfig());
    sandbox.seedObject({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'web-7d4b9c-x2x9z',
        namespace: 'shop',
        ownerReferences: [
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'not-a-controller', uid: 'a' },
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d4b9c', uid: 'b', controller: true },
        ],
      },
    });
    sandbox.seedObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bare', namespace: 'shop' } });
  });

  afterEach(() => sandbox.faults.clear());
  afterAll(async () => sandbox?.close());

  const lookupWith = (settings = DEFAULT_CIRCUIT_BREAKER_SETTINGS) => {
    const breaker = createCircuitBreaker({ name: 'k8s-api', settings: () => settings });
    const lookup = createOwnerLookup(kubeConfig, { breaker, isLocalCluster: (clusterId) => clusterId === '' });
    return { breaker, lookup };
  };

  const reasonOf = async (promise: Promise<unknown>): Promise<string> => {
    const error = await promise.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(OwnerLookupUnavailable);
    return (error as OwnerLookupUnavailable).reason;
  };

  it('answers the controller owner from a metadata GET, and null for an object without one', async () => {
    const { lookup } = lookupWith();
    expect(await lookup.controllerOf(pod('web-7d4b9c-x2x9z'), Date.now())).toEqual({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      name: 'web-7d4b9c',
    });
    expect(await lookup.controllerOf(pod('bare'), Date.now())).toBeNull();
  });

  it('says why it cannot answer: missing, forbidden, timed out, another cluster, a kind it does not read', async () => {
    const { lookup } = lookupWith();
    expect(await reasonOf(lookup.controllerOf(pod('gone'), Date.now()))).toBe('not-found');
    expect(await reasonOf(lookup.controllerOf(pod('bare', 'east'), Date.now()))).toBe('no-client');
    expect(
      await reasonOf(
        lookup.controllerOf({ ...pod('x'), apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout' }, Date.now()),
      ),
    ).toBe('forbidden');
    sandbox.faults.set({ errorStatus: 403 });
    expect(await reasonOf(lookup.controllerOf(pod('bare'), Date.now()))).toBe('forbidden');
    sandbox.faults.set({ latencyMs: 2000 });
    expect(await reasonOf(lookup.controllerOf(pod('bare'), Date.now(), { timeoutMs: 100 }))).toBe('timeout');
  });

  it('goes through the circuit breaker: failures open it, and the open breaker answers circuit-open at once', async () => {
    const { lookup, breaker } = lookupWith({
      ...DEFAULT_CIRCUIT_BREAKER_SETTINGS,
      minRequests: 2,
      openDurationMs: 600_000,
    });
    sandbox.faults.set({ errorStatus: 503 });
    expect(await reasonOf(lookup.controllerOf(pod('bare'), Date.now()))).toBe('error');
    expect(await reasonOf(lookup.controllerOf(pod('bare'), Date.now()))).toBe('error');
    expect(breaker.state()).toBe(BreakerState.open);
    sandbox.faults.clear();
    sandbox.clearRequestLog();
    expect(await reasonOf(lookup.controllerOf(pod('bare'), Date.now()))).toBe('circuit-open');
    expect(sandbox.requestCount()).toBe(0);
  });
});
