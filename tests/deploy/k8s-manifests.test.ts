import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_QUEUE_PREFIX } from '@gateway/contracts';
import { describe, expect, it } from 'vitest';
import {
  deployedRedisAcl,
  findK8sObject,
  K8S_BASE_DIR,
  type K8sLabelSelector,
  k8sDataEntry,
  REDIS_CONFIG_MAP,
  REDIS_PASSWORD_PLACEHOLDER,
  readK8sManifests,
  readK8sSecretGenerators,
  repoRoot,
  k8sSelectorMatches as selects,
} from '../../packages/testkit/src/index.js';

// What `kubectl apply -k k8s/base` deploys must keep Redis closed: authenticated, restricted to the gateway's
// keys and commands, durable, never evicting, and reachable only from the gateway's own pods.

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Container {
  name: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: { containers: Container[]; volumes?: { name: string; emptyDir?: unknown; configMap?: { name: string } }[] };
}
interface NetworkPolicySpec {
  podSelector: K8sLabelSelector;
  policyTypes?: string[];
  ingress?: {
    from?: { podSelector?: K8sLabelSelector; namespaceSelector?: unknown; ipBlock?: unknown }[];
    ports?: unknown[];
  }[];
}

const REDIS_SECRET = { name: 'signal-gateway-redis', key: 'password' };
const TOKENS_SECRET = { name: 'signal-gateway-tokens', key: 'GATEWAY_AUTH_TOKENS' };
const objects = readK8sManifests();
const template = (kind: string, name: string): PodTemplate =>
  (findK8sObject(objects, kind, name).spec as { template: PodTemplate }).template;
const onlyContainer = (pod: PodTemplate): Container => {
  expect(pod.spec.containers).toHaveLength(1);
  return pod.spec.containers[0] as Container;
};

const redisPod = template('StatefulSet', 'signal-gateway-redis');
const gatewayPods = {
  ingress: template('Deployment', 'signal-gateway-ingress'),
  worker: template('Deployment', 'signal-gateway-worker'),
};
const aclLines = k8sDataEntry(findK8sObject(objects, 'ConfigMap', REDIS_CONFIG_MAP), 'users.acl')
  .trim()
  .split('\n')
  .map((line) => line.trim().split(/\s+/));
const aclUser = (name: string): string[] => {
  const line = aclLines.find((rules) => rules[0] === 'user' && rules[1] === name);
  if (!line) throw new Error(`users.acl has no user ${name}`);
  return line.slice(2);
};

describe('k8s manifests', () => {
  it('runs Redis with AOF, noeviction and the ACL file written from the Secret', () => {
    const conf = k8sDataEntry(findK8sObject(objects, 'ConfigMap', REDIS_CONFIG_MAP), 'redis.conf');
    const directives = new Map(
      conf
        .trim()
        .split('\n')
        .map((line) => line.trim().split(/\s+/, 2) as [string, string]),
    );
    expect(directives.get('appendonly')).toBe('yes');
    expect(directives.get('maxmemory-policy')).toBe('noeviction');
    const aclFile = directives.get('aclfile') ?? '';

    const redis = onlyContainer(redisPod);
    expect(redis.env?.find((env) => env.name === 'REDIS_PASSWORD')?.valueFrom?.secretKeyRef).toEqual(REDIS_SECRET);
    const script = [...(redis.command ?? []), ...(redis.args ?? [])].join(' ');
    expect(script).toContain('sha256sum');
    expect(script).toContain(`s/${REDIS_PASSWORD_PLACEHOLDER}/$hash/`);
    expect(script).toContain(`> ${aclFile}`);
    expect(script).toContain('redis-server /etc/redis/redis.conf');
    // The file with the digest lives in memory only, never on the data volume or in the ConfigMap.
    const aclMount = redis.volumeMounts?.find((mount) => aclFile.startsWith(`${mount.mountPath}/`));
    expect(redisPod.spec.volumes?.find((volume) => volume.name === aclMount?.name)?.emptyDir).toBeDefined();
  });

  it('generates every Secret from git-ignored files, so no credential is published with the manifests', () => {
    expect(objects.filter((object) => object.kind === 'Secret')).toEqual([]);
    const generators = readK8sSecretGenerators();
    const expected = { [REDIS_SECRET.name]: REDIS_SECRET.key, [TOKENS_SECRET.name]: TOKENS_SECRET.key };
    expect(generators.map((generator) => generator.name).sort()).toEqual(Object.keys(expected).sort());
    for (const generator of generators) {
      expect(generator.literals, generator.name).toBeUndefined();
      expect(generator.envs, generator.name).toHaveLength(1);
      const envFile = resolve(K8S_BASE_DIR, generator.envs?.[0] ?? '');
      // git check-ignore exits 0 only for an ignored path.
      expect(() => execFileSync('git', ['check-ignore', '-q', envFile], { cwd: repoRoot })).not.toThrow();
      const example = readFileSync(`${envFile}.example`, 'utf8')
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('#'));
      expect(example, generator.name).toEqual([`${expected[generator.name]}=`]);
    }
    for (const app of Object.values(gatewayPods)) {
      const tokens = onlyContainer(app).env?.find((env) => env.valueFrom?.secretKeyRef?.name === TOKENS_SECRET.name);
      if (tokens) expect(tokens.valueFrom?.secretKeyRef).toEqual(TOKENS_SECRET);
    }
  });

  it('turns the default user off and confines the gateway user to its prefix and the commands it needs', () => {
    expect(aclUser('default')).toEqual(expect.arrayContaining(['off', 'resetpass', '-@all']));
    expect(aclUser('default')).not.toContain('on');

    const gateway = aclUser('gateway');
    expect(gateway).toContain('on');
    expect(gateway.filter((rule) => rule.startsWith('#') || rule.startsWith('>'))).toEqual([
      `#${REDIS_PASSWORD_PLACEHOLDER}`,
    ]);
    const prefixes = new Set(
      Object.values(gatewayPods).map(
        (pod) => onlyContainer(pod).env?.find((env) => env.name === 'QUEUE_PREFIX')?.value ?? DEFAULT_QUEUE_PREFIX,
      ),
    );
    expect(gateway.filter((rule) => rule.startsWith('~') || rule.startsWith('%'))).toEqual(
      [...prefixes].map((prefix) => `~${prefix}:*`),
    );
    for (const broad of ['nopass', 'allkeys', 'allcommands', '+@all', 'allchannels', '~*', '&*']) {
      expect(gateway).not.toContain(broad);
    }
    // Permissions apply in order: everything off first, dangerous commands off after the categories.
    const position = (rule: string) => gateway.indexOf(rule);
    expect(position('-@all')).toBeGreaterThan(-1);
    for (const category of ['+@read', '+@write', '+@scripting', '+@transaction', '+@connection']) {
      expect(position(category)).toBeGreaterThan(position('-@all'));
      expect(position('-@dangerous')).toBeGreaterThan(position(category));
    }
  });

  it('has both apps build REDIS_URL for the gateway user from the Secret', () => {
    for (const [app, pod] of Object.entries(gatewayPods)) {
      const env = onlyContainer(pod).env ?? [];
      const passwordAt = env.findIndex((variable) => variable.name === 'REDIS_PASSWORD');
      const urlAt = env.findIndex((variable) => variable.name === 'REDIS_URL');
      expect(env[passwordAt]?.valueFrom?.secretKeyRef, app).toEqual(REDIS_SECRET);
      // Kubernetes expands $(VAR) only from variables defined earlier in the list.
      expect(urlAt, app).toBeGreaterThan(passwordAt);
      const url = new URL((env[urlAt]?.value ?? '').replace('$(REDIS_PASSWORD)', 'pw'));
      expect({ user: url.username, password: url.password, host: url.hostname }, app).toEqual({
        user: 'gateway',
        password: 'pw',
        host: findK8sObject(objects, 'Service', 'signal-gateway-redis').metadata.name,
      });
    }
  });

  it('admits only the ingress and worker pods to Redis, on the Redis port', () => {
    const policies = objects
      .filter((object) => object.kind === 'NetworkPolicy')
      .map((object) => object.spec as NetworkPolicySpec)
      .filter((spec) => selects(spec.podSelector, redisPod.metadata.labels));
    expect(policies).toHaveLength(1);
    const [policy] = policies as [NetworkPolicySpec];
    expect(policy.policyTypes).toContain('Ingress');
    const peers = (policy.ingress ?? []).flatMap((rule) => {
      expect(rule.ports).toEqual([{ protocol: 'TCP', port: 6379 }]);
      return rule.from ?? [];
    });
    expect(peers.length).toBeGreaterThan(0);
    for (const peer of peers) {
      expect(peer.namespaceSelector).toBeUndefined();
      expect(peer.ipBlock).toBeUndefined();
    }
    const admitted = (labels: Record<string, string>) =>
      peers.some((peer) => peer.podSelector !== undefined && selects(peer.podSelector, labels));
    expect(admitted(gatewayPods.ingress.metadata.labels)).toBe(true);
    expect(admitted(gatewayPods.worker.metadata.labels)).toBe(true);
    expect(admitted({ ...gatewayPods.worker.metadata.labels, 'app.kubernetes.io/component': 'debug' })).toBe(false);
    expect(admitted({ 'app.kubernetes.io/name': 'other' })).toBe(false);
    expect(admitted(redisPod.metadata.labels)).toBe(false);
  });

  it('builds the deployed ACL file with the digest of the password in place of the placeholder', () => {
    const acl = deployedRedisAcl('s3cret', objects);
    expect(acl).not.toContain(REDIS_PASSWORD_PLACEHOLDER);
    expect(acl).not.toContain('s3cret');
    expect(acl).toContain(`#${createHash('sha256').update('s3cret').digest('hex')} `);
  });
});
