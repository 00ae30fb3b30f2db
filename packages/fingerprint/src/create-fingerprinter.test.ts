import { sha256Hex } from '@gateway/contracts';
import { sampleSignal } from '@gateway/testkit';
import { describe, expect, it } from 'vitest';
import { createFingerprinter, DEFAULT_OWNER_SETTINGS } from './create-fingerprinter.js';
import {
  type FingerprintSettings,
  type ObjectRef,
  type OwnerLookup,
  OwnerLookupUnavailable,
  type OwnerRef,
  type OwnerResolution,
} from './fingerprinter.js';
import { DEFAULT_SIGNAL_CLASSES } from './signal-classes.js';
import { DEFAULT_TARGET_RULES } from './target-rules.js';

const DEFAULT: FingerprintSettings = { strategy: 'default', rules: [], clusterScoped: false };
const OWNER: FingerprintSettings = {
  strategy: 'owner',
  rules: [],
  clusterScoped: false,
  owner: DEFAULT_OWNER_SETTINGS,
  signalClasses: DEFAULT_SIGNAL_CLASSES,
  targetRules: DEFAULT_TARGET_RULES,
};

const pod = (name: string, signalName = 'KubePodCrashLooping', namespace = 'prod') =>
  sampleSignal(1, {
    signalName,
    namespace,
    target: { type: 'kubernetes', kind: 'Pod', name, namespace, scope: namespace },
    labels: { alertname: signalName, pod: name, namespace },
  });

const owner = (apiVersion: string, kind: string, name: string): OwnerRef => ({ apiVersion, kind, name });

/** Controllers by `Kind/namespace/name`; objects not listed are missing (404), as the API would say. */
function fakeApi(objects: Record<string, OwnerRef | null>) {
  const calls: ObjectRef[] = [];
  const lookup: OwnerLookup = {
    async controllerOf(ref) {
      calls.push(ref);
      const found = objects[`${ref.kind}/${ref.namespace}/${ref.name}`];
      if (found === undefined) throw new OwnerLookupUnavailable('not-found', `${ref.kind} ${ref.name} not found`);
      return found;
    },
  };
  return { lookup, calls };
}

const DEPLOYMENT_OBJECTS = {
  'Pod/prod/web-7d4b9c-x2x9z': owner('apps/v1', 'ReplicaSet', 'web-7d4b9c'),
  'Pod/prod/web-7d4b9c-bcdfg': owner('apps/v1', 'ReplicaSet', 'web-7d4b9c'),
  'ReplicaSet/prod/web-7d4b9c': owner('apps/v1', 'Deployment', 'web'),
  'Deployment/prod/web': null,
};

function clock(startMs = 1_000_000) {
  let now = startMs;
  return { nowMs: () => now, advance: (ms: number) => (now += ms) };
}

describe('createFingerprinter', () => {
  describe('default strategy', () => {
    const fingerprinter = createFingerprinter({ nowMs: Date.now });

    it('keeps Kubernaut fingerprints unchanged for existing users', async () => {
      const backOff = sampleSignal(1, {
        signalName: 'BackOff',
        target: {
          type: 'kubernetes',
          kind: 'Pod',
          name: 'memory-hog-77bc84f698-8ddlj',
          namespace: 'chq-demo-apps',
          scope: 'chq-demo-apps',
        },
      });
      const instanceDown = sampleSignal(2, { signalName: 'InstanceDown', namespace: '', target: undefined });
      expect((await fingerprinter.fingerprint(backOff, DEFAULT)).fingerprint).toBe(
        '88d94ba53731e40e709440d05b49aed5dac4447872b3e01569c61f62a2384c93',
      );
      expect((await fingerprinter.fingerprint(instanceDown, DEFAULT)).fingerprint).toBe(
        'c35a9758b42c79da1195b4ef5385959b4396863bac184f5c86b5f77d5f1d0d5e',
      );
      const clustered = { ...instanceDown, clusterId: 'prod-east' };
      expect((await fingerprinter.fingerprint(clustered, { ...DEFAULT, clusterScoped: true })).fingerprint).toBe(
        '06fbe8da61e6887b51b85191f036f90c11042d5dd09cbc93cf3b715570b81212',
      );
      expect((await fingerprinter.fingerprint(clustered, DEFAULT)).fingerprint).toBe(
        'c35a9758b42c79da1195b4ef5385959b4396863bac184f5c86b5f77d5f1d0d5e',
      );
    });

    it('appends the extra labels of the first matching rule and uses a custom fingerprint input', async () => {
      const signal = { ...pod('web-7d4b9c-x2x9z'), labels: { container: 'app' } };
      const settings: FingerprintSettings = {
        ...DEFAULT,
        rules: [
          { match: { signalName: 'Kube*Crash*' }, extraLabels: ['container', 'missing'] },
          { match: {}, extraLabels: ['never'] },
        ],
      };
      expect((await fingerprinter.fingerprint(signal, settings)).fingerprint).toBe(
        sha256Hex('KubePodCrashLooping:prod:Pod:web-7d4b9c-x2x9z:container=app:missing='),
      );
      const custom = { ...signal, fingerprintInput: 'pagerduty:key' };
      expect((await fingerprinter.fingerprint(custom, settings)).fingerprint).toBe(
        sha256Hex('pagerduty:key:container=app:missing='),
      );
    });

    it('records the strategy and the target as evidence', async () => {
      const decision = await fingerprinter.fingerprint(pod('web-7d4b9c-x2x9z'), DEFAULT);
      expect(decision.strategy).toBe('default');
      expect(decision.evidence).toEqual({ identity: { kind: 'Pod', name: 'web-7d4b9c-x2x9z', scope: 'prod' } });
    });
  });

  describe('owner strategy', () => {
    it('gives two pods of one Deployment and their class members one fingerprint, through the API', async () => {
      const api = fakeApi(DEPLOYMENT_OBJECTS);
      const outcomes: OwnerResolution[] = [];
      const fingerprinter = createFingerprinter({
        owners: api.lookup,
        nowMs: clock().nowMs,
        hooks: { ownerResolved: (outcome) => outcomes.push(outcome) },
      });
      const first = await fingerprinter.fingerprint(pod('web-7d4b9c-x2x9z'), OWNER);
      const second = await fingerprinter.fingerprint(pod('web-7d4b9c-bcdfg', 'KubePodNotReady'), OWNER);
      expect(second.fingerprint).toBe(first.fingerprint);
      expect(first.fingerprint).toBe(sha256Hex('pod-unhealthy:prod:Deployment:web'));
      expect(first.evidence).toEqual({
        identity: { kind: 'Deployment', name: 'web', scope: 'prod' },
        ownerResolution: 'api',
        ownerChain: ['Pod/web-7d4b9c-x2x9z', 'ReplicaSet/web-7d4b9c', 'Deployment/web'],
        signalClass: 'pod-unhealthy',
        resource: { kind: 'Deployment', name: 'web', namespace: 'prod' },
      });
      // The second pod's ReplicaSet and Deployment came from the cache; its own Pod from the API.
      expect(second.evidence.ownerResolution).toBe('api');
      expect(api.calls.map((ref) => `${ref.kind}/${ref.name}`)).toEqual([
        'Pod/web-7d4b9c-x2x9z',
        'ReplicaSet/web-7d4b9c',
        'Deployment/web',
        'Pod/web-7d4b9c-bcdfg',
      ]);
      const third = await fingerprinter.fingerprint(pod('web-7d4b9c-x2x9z', 'KubeContainerWaiting'), OWNER);
      expect(third.fingerprint).toBe(first.fingerprint);
      expect(third.evidence.ownerResolution).toBe('cache');
      expect(outcomes).toEqual(['api', 'api', 'cache']);
    });

    it('keeps high CPU and high memory of one workload apart', async () => {
      const fingerprinter = createFingerprinter({ owners: fakeApi(DEPLOYMENT_OBJECTS).lookup, nowMs: Date.now });
      const cpu = await fingerprinter.fingerprint(pod('web-7d4b9c-x2x9z', 'KubePodCrashLooping'), OWNER);
      const throttled = await fingerprinter.fingerprint(pod('web-7d4b9c-x2x9z', 'CPUThrottlingHigh'), OWNER);
      const memory = await fingerprinter.fingerprint(pod('web-7d4b9c-x2x9z', 'KubeMemoryOvercommit'), OWNER);
      expect(new Set([cpu.fingerprint, throttled.fingerprint, memory.fingerprint]).size).toBe(3);
      expect(throttled.evidence.signalClass).toBeUndefined();
    });

    it('walks Pod → Job → CronJob, Pod → StatefulSet and Pod → DaemonSet', async () => {
      const api = fakeApi({
        'Pod/prod/backup-28391234-x2x9z': owner('batch/v1', 'Job', 'backup-28391234'),
        'Job/prod/backup-28391234': owner('batch/v1', 'CronJob', 'backup'),
        'CronJob/prod/backup': null,
        'Pod/prod/db-0': owner('apps/v1', 'StatefulSet', 'db'),
        'StatefulSet/prod/db': null,
        'Pod/prod/agent-x2x9z': owner('apps/v1', 'DaemonSet', 'agent'),
        'DaemonSet/prod/agent': null,
      });
      const fingerprinter = createFingerprinter({ owners: api.lookup, nowMs: Date.now });
      const chains = await Promise.all(
        ['backup-28391234-x2x9z', 'db-0', 'agent-x2x9z'].map(
          async (name) => (await fingerprinter.fingerprint(pod(name), OWNER)).evidence.ownerChain,
        ),
      );
      expect(chains).toEqual([
        ['Pod/backup-28391234-x2x9z', 'Job/backup-28391234', 'CronJob/backup'],
        ['Pod/db-0', 'StatefulSet/db'],
        ['Pod/agent-x2x9z', 'DaemonSet/agent'],
      ]);
    });

    it('stops at owner.maxDepth and at owners outside owner.followGroups', async () => {
      const api = fakeApi({
        ...DEPLOYMENT_OBJECTS,
        'Pod/prod/canary-x2x9z': owner('apps/v1', 'ReplicaSet', 'canary-7d4b9c'),
        'ReplicaSet/prod/canary-7d4b9c': owner('argoproj.io/v1alpha1', 'Rollout', 'canary'),
      });
      const fingerprinter = createFingerprinter({ owners: api.lookup, nowMs: Date.now });
      const shallow = { ...OWNER, owner: { ...DEFAULT_OWNER_SETTINGS, maxDepth: 1 } };
      expect((await fingerprinter.fingerprint(pod('web-7d4b9c-x2x9z'), shallow)).evidence.identity).toEqual({
        kind: 'ReplicaSet',
        name: 'web-7d4b9c',
        scope: 'prod',
      });
      const rollout = await fingerprinter.fingerprint(pod('canary-x2x9z'), OWNER);
      expect(rollout.evidence.ownerChain).toEqual(['Pod/canary-x2x9z', 'ReplicaSet/canary-7d4b9c']);
      const withArgo = { ...OWNER, owner: { ...DEFAULT_OWNER_SETTINGS, followGroups: ['', 'apps', 'argoproj.io'] } };
      const followed = await fingerprinter.fingerprint(pod('canary-x2x9z'), withArgo);
      expect(followed.evidence.identity.kind).toBe('Rollout');
    });

    it('parses the name when the API cannot answer, and only when owner.heuristics allows it', async () => {
      const api = fakeApi({});
      const fingerprinter = createFingerprinter({ owners: api.lookup, nowMs: Date.now });
      const guessed = await fingerprinter.fingerprint(pod('web-7d4b9c-x2x9z'), OWNER);
      expect(guessed.evidence).toMatchObject({
        identity: { kind: 'Deployment', name: 'web', scope: 'prod' },
        ownerResolution: 'heuristic',
        ownerChain: ['Pod/web-7d4b9c-x2x9z', 'Deployment/web'],
      });
      const off = { ...OWNER, owner: { ...DEFAULT_OWNER_SETTINGS, heuristics: false } };
      const kept = await fingerprinter.fingerprint(pod('web-7d4b9c-bcdfg'), off);
      expect(kept.evidence).toMatchObject({ identity: { kind: 'Pod' }, ownerResolution: 'none' });
      const noClient = createFingerprinter({ nowMs: Date.now });
      expect((await noClient.fingerprint(pod('db-3'), OWNER)).evidence.identity).toEqual({
        kind: 'StatefulSet',
        name: 'db',
        scope: 'prod',
      });
    });

    it('gives up on a lookup at owner.lookupTimeout and falls back to the heuristics', async () => {
      const never: OwnerLookup = { controllerOf: () => new Promise(() => undefined) };
      const fingerprinter = createFingerprinter({ owners: never, nowMs: Date.now });
      const quick = { ...OWNER, owner: { ...DEFAULT_OWNER_SETTINGS, lookupTimeoutMs: 100 } };
      const decision = await fingerprinter.fingerprint(pod('web-7d4b9c-x2x9z'), quick);
      expect(decision.evidence.ownerResolution).toBe('heuristic');
    });

    it('keeps answers for owner.cacheTtl and missing objects for owner.negativeCacheTtl', async () => {
      const api = fakeApi({ 'Pod/prod/solo': null });
      const time = clock();
      const fingerprinter = createFingerprinter({ owners: api.lookup, nowMs: time.nowMs });
      const settings = {
        ...OWNER,
        owner: { ...DEFAULT_OWNER_SETTINGS, cacheTtlMs: 60_000, negativeCacheTtlMs: 5_000 },
      };
      const resolutions = async (name: string) =>
        (await fingerprinter.fingerprint(pod(name), settings)).evidence.ownerResolution;
      expect(await resolutions('solo')).toBe('api');
      expect(await resolutions('gone-7d4b9c-x2x9z')).toBe('heuristic');
      time.advance(4_000);
      expect(await resolutions('solo')).toBe('cache');
      expect(await resolutions('gone-7d4b9c-x2x9z')).toBe('heuristic');
      expect(api.calls).toHaveLength(2);
      time.advance(2_000);
      await resolutions('gone-7d4b9c-x2x9z');
      expect(api.calls).toHaveLength(3);
      expect(await resolutions('solo')).toBe('cache');
      time.advance(60_000);
      expect(await resolutions('solo')).toBe('api');
      expect(api.calls).toHaveLength(4);
    });

    it('evicts the least recently used answer beyond owner.cacheSize, per cluster', async () => {
      const api = fakeApi({ 'Pod/prod/a': null, 'Pod/prod/b': null, 'Pod/prod/c': null });
      const fingerprinter = createFingerprinter({ owners: api.lookup, nowMs: clock().nowMs });
      const settings = { ...OWNER, owner: { ...DEFAULT_OWNER_SETTINGS, cacheSize: 2 } };
      const ask = async (name: string, clusterId = '') =>
        (await fingerprinter.fingerprint({ ...pod(name), clusterId }, settings)).evidence.ownerResolution;
      await ask('a');
      await ask('b');
      expect(await ask('a')).toBe('cache');
      await ask('c');
      await ask('c', 'east');
      expect(await ask('a')).toBe('cache');
      expect(await ask('b')).toBe('api');
    });

    it('asks once for an object many signals name at the same time', async () => {
      const api = fakeApi(DEPLOYMENT_OBJECTS);
      const fingerprinter = createFingerprinter({ owners: api.lookup, nowMs: Date.now });
      const decisions = await Promise.all(
        Array.from({ length: 20 }, () => fingerprinter.fingerprint(pod('web-7d4b9c-x2x9z'), OWNER)),
      );
      expect(new Set(decisions.map((d) => d.fingerprint)).size).toBe(1);
      expect(api.calls).toHaveLength(3);
    });

    it('uses the default formula for targets that are not Kubernetes objects and for custom fingerprint inputs', async () => {
      const fingerprinter = createFingerprinter({ nowMs: Date.now });
      const aws = sampleSignal(1, {
        target: { type: 'aws', kind: 'EC2Instance', name: 'i-1', scope: '1234/eu-west-1' },
      });
      const decision = await fingerprinter.fingerprint(aws, OWNER);
      expect(decision.strategy).toBe('default');
      expect(decision.fingerprint).toBe(sha256Hex('KubePodCrashLooping:1234/eu-west-1:EC2Instance:i-1'));
      const custom = await fingerprinter.fingerprint({ ...pod('web-1'), fingerprintInput: 'pd:key' }, OWNER);
      expect(custom.fingerprint).toBe(sha256Hex('pd:key'));
    });

    it('lets the first matching rule choose the strategy, and records which rule did', async () => {
      const fingerprinter = createFingerprinter({ nowMs: Date.now });
      const settings: FingerprintSettings = {
        ...OWNER,
        strategy: 'default',
        rules: [{ match: { source: 'prometheus', signalName: 'KubePod*' }, strategy: 'owner' }],
      };
      const chosen = await fingerprinter.fingerprint(pod('web-7d4b9c-x2x9z'), settings);
      expect(chosen.strategy).toBe('owner');
      expect(chosen.evidence.rule).toBe(0);
      const other = await fingerprinter.fingerprint(pod('web-7d4b9c-x2x9z', 'Unhealthy'), settings);
      expect(other.strategy).toBe('default');
      expect(other.evidence.rule).toBeUndefined();
    });

    it('fingerprints a resolved signal like its firing twin', async () => {
      const fingerprinter = createFingerprinter({ owners: fakeApi(DEPLOYMENT_OBJECTS).lookup, nowMs: Date.now });
      const firing = await fingerprinter.fingerprint(pod('web-7d4b9c-x2x9z'), OWNER);
      const resolved = await fingerprinter.fingerprint({ ...pod('web-7d4b9c-x2x9z'), status: 'resolved' }, OWNER);
      expect(resolved.fingerprint).toBe(firing.fingerprint);
    });
  });

  describe('target rules', () => {
    const fingerprinter = createFingerprinter({ nowMs: Date.now });
    const alert = (signalName: string, labels: Record<string, string>, kind?: string) =>
      sampleSignal(1, {
        signalName,
        namespace: labels.namespace ?? '',
        labels: { alertname: signalName, ...labels },
        target:
          kind === undefined
            ? undefined
            : {
                type: 'kubernetes',
                kind,
                name: labels[kind === 'Pod' ? 'pod' : kind.toLowerCase()] ?? 'x',
                namespace: labels.namespace ?? '',
                scope: labels.namespace ?? '',
              },
      });

    it('names the node a node-exporter pod measures, one identity per mount point', async () => {
      const labels = { pod: 'node-exporter-x2x9z', namespace: 'monitoring', node: 'worker-1' };
      const root = await fingerprinter.fingerprint(
        alert('NodeFilesystemSpaceFillingUp', { ...labels, mountpoint: '/' }, 'Pod'),
        OWNER,
      );
      const rootFull = await fingerprinter.fingerprint(
        alert('NodeFilesystemAlmostOutOfSpace', { ...labels, mountpoint: '/' }, 'Pod'),
        OWNER,
      );
      const data = await fingerprinter.fingerprint(
        alert('NodeFilesystemSpaceFillingUp', { ...labels, mountpoint: '/data' }, 'Pod'),
        OWNER,
      );
      const otherNode = await fingerprinter.fingerprint(
        alert('NodeFilesystemSpaceFillingUp', { ...labels, node: 'worker-2', mountpoint: '/' }, 'Pod'),
        OWNER,
      );
      expect(root.evidence).toMatchObject({
        identity: { kind: 'Node', name: 'worker-1', scope: '' },
        targetRule: 'node-exporter',
        signalClass: 'node-disk-space',
        resource: { kind: 'Node', name: 'worker-1', namespace: '' },
      });
      expect(rootFull.fingerprint).toBe(root.fingerprint);
      expect(new Set([root.fingerprint, data.fingerprint, otherNode.fingerprint]).size).toBe(3);
    });

    it('names the object a kube-state-metrics series describes', async () => {
      const exporter = { pod: 'kube-state-metrics-7d4b9c-x2x9z', namespace: 'monitoring' };
      const hpa = await fingerprinter.fingerprint(
        alert('KubeHpaMaxedOut', { ...exporter, horizontalpodautoscaler: 'web', exported_namespace: 'prod' }, 'Pod'),
        OWNER,
      );
      expect(hpa.evidence).toMatchObject({
        identity: { kind: 'HorizontalPodAutoscaler', name: 'web', scope: 'prod' },
        targetRule: 'kube-state-metrics',
      });
      const node = await fingerprinter.fingerprint(
        alert('KubeNodeNotReady', { ...exporter, node: 'w1' }, 'Pod'),
        OWNER,
      );
      expect(node.evidence.identity).toEqual({ kind: 'Node', name: 'w1', scope: '' });
    });

    it('tells probed URLs, quotas and scrape instances apart instead of Unknown/unknown', async () => {
      const probes = await Promise.all(
        ['https://a.example/health', 'https://b.example/health'].map((instance) =>
          fingerprinter.fingerprint(alert('ProbeFailed', { instance, job: 'blackbox' }), OWNER),
        ),
      );
      expect(probes[0]?.evidence.identity).toEqual({ kind: 'URL', name: 'https://a.example/health', scope: '' });
      expect(probes[0]?.fingerprint).not.toBe(probes[1]?.fingerprint);
      const quotas = await Promise.all(
        ['cpu', 'memory'].map((resource) =>
          fingerprinter.fingerprint(
            alert('KubeQuotaExceeded', { resourcequota: 'team', resource, namespace: 'prod' }),
            OWNER,
          ),
        ),
      );
      expect(quotas[0]?.evidence.identity).toEqual({ kind: 'ResourceQuota', name: 'team', scope: 'prod' });
      expect(quotas[0]?.fingerprint).not.toBe(quotas[1]?.fingerprint);
    });

    it('never merges two different signal names that both lack an object', async () => {
      const a = await fingerprinter.fingerprint(alert('KubeNodeNotReady', {}), OWNER);
      const b = await fingerprinter.fingerprint(alert('NodeNotReady', {}), OWNER);
      expect(a.evidence.identity.kind).toBe('Unknown');
      expect(a.evidence.signalClass).toBeUndefined();
      expect(a.fingerprint).not.toBe(b.fingerprint);
    });

    it('tries configured rules before the shipped ones and only in non-default strategies', async () => {
      const settings: FingerprintSettings = {
        ...OWNER,
        targetRules: [
          {
            name: 'queue',
            match: { signalName: 'Queue*' },
            objectLabels: [{ label: 'queue', kind: 'Queue' }],
            scopeLabels: [],
            scope: 'cluster',
            qualifierLabels: [],
          },
          ...DEFAULT_TARGET_RULES,
        ],
      };
      const signal = alert('QueueBacklog', { queue: 'orders', instance: '10.0.0.1:9090' });
      expect((await fingerprinter.fingerprint(signal, settings)).evidence.targetRule).toBe('queue');
      expect((await fingerprinter.fingerprint(signal, OWNER)).evidence.targetRule).toBe('scrape-instance');
      expect((await fingerprinter.fingerprint(signal, DEFAULT)).fingerprint).toBe(
        sha256Hex('QueueBacklog:default:Unknown:unknown'),
      );
    });
  });

  describe('similarity strategy', () => {
    it('uses the base strategy and says why when similarity has no store', async () => {
      const fingerprinter = createFingerprinter({ nowMs: () => 0 });
      const signal = pod('web-7d4b9c-x2x9z');
      const decision = await fingerprinter.fingerprint(signal, { ...DEFAULT, strategy: 'similarity' });
      expect(decision).toEqual({
        fingerprint: (await fingerprinter.fingerprint(signal, DEFAULT)).fingerprint,
        strategy: 'default',
        evidence: {
          identity: { kind: 'Pod', name: 'web-7d4b9c-x2x9z', scope: 'prod' },
          fallback: 'no similarity store',
        },
      });
    });
  });
});
