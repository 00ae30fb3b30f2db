import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_QUEUE_PREFIX } from '@gateway/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deployedRedisAcl,
  type GatewayAppName,
  type GatewayStack,
  type KubeSandbox,
  type RedisServer,
  startGatewayStack,
  startKubeSandbox,
  startRedisServer,
  waitFor,
} from '../../packages/testkit/src/index.js';
import { alertmanagerWebhook, podRrName, postWebhook } from '../support/alerts.js';

// The gateway against a Redis that is locked the way k8s/base locks it: TLS only, the default user off, and
// the `gateway` ACL user with exactly the rules of the deployed ACL file (read from the manifest, so the two
// cannot drift). The real ingress and worker run from their build output with `rediss://gateway:…@`.

const NAMESPACE = 'kubernaut-system';
const PASSWORD = randomBytes(24).toString('hex');

describe('redis acl and tls', () => {
  let redis: RedisServer;
  let sandbox: KubeSandbox;
  let dir: string;
  let kubeconfig: string;
  const stacks: GatewayStack[] = [];

  beforeAll(async () => {
    redis = await startRedisServer({ acl: deployedRedisAcl(PASSWORD), tls: true });
    sandbox = await startKubeSandbox();
    dir = await mkdtemp(join(tmpdir(), 'e2e-redis-acl-'));
    kubeconfig = sandbox.writeKubeconfig(join(dir, 'kubeconfig'), NAMESPACE);
  });

  afterAll(async () => {
    await Promise.allSettled(stacks.map((stack) => stack.stop()));
    await sandbox?.close();
    await redis?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const start = async (
    password: string,
    apps?: readonly GatewayAppName[],
    // The deployed ACL allows the default prefix only, as the Deployments use.
    queuePrefix = DEFAULT_QUEUE_PREFIX,
  ): Promise<GatewayStack> => {
    const stack = await startGatewayStack({
      ...(apps ? { apps } : {}),
      redisUrl: redis.url('gateway', password),
      extraCaCertsFile: redis.caFile,
      queuePrefix,
      kubeconfig,
      remediationNamespace: NAMESPACE,
      auditFilePath: join(dir, `audit-${stacks.length}.jsonl`),
    });
    stacks.push(stack);
    return stack;
  };

  it('turns an alert into an RR and ships its audit through rediss:// as the gateway ACL user', async ({
    onTestFailed,
  }) => {
    const stack = await start(PASSWORD);
    onTestFailed(() => console.error(stack.logs()));
    const alert = { alertname: 'KubePodCrashLooping', namespace: 'shop', pod: 'checkout-7c9f8d6b5-x2k4q' };
    const response = await postWebhook(
      stack.ingressUrl,
      stack.token,
      alertmanagerWebhook([{ ...alert, startsAt: new Date().toISOString() }]),
    );
    expect(response.status).toBe(202);

    const rrName = podRrName(alert.alertname, alert.namespace, alert.pod);
    await waitFor(() => sandbox.object(NAMESPACE, rrName) !== undefined, {
      timeoutMs: 20_000,
      description: `RR ${rrName}`,
    });
    // The audit consumer group read the event from the stream and wrote it out.
    const auditFile = stack.auditFilePath ?? '';
    const audit = await waitFor(
      async () => {
        const lines = await readFile(auditFile, 'utf8').catch(() => '');
        return lines.includes('"gateway.crd.created"') ? lines : false;
      },
      { timeoutMs: 20_000, description: 'the audit event of the created RR' },
    );
    expect(audit).toContain(rrName);
    expect(stack.logs()).not.toContain(PASSWORD);
  });

  it('confines the gateway user to its key prefix and refuses connections without credentials', async () => {
    const client = redis.client('gateway', PASSWORD);
    const anonymous = redis.client();
    try {
      await expect(client.set(`${DEFAULT_QUEUE_PREFIX}:acl-probe`, '1', 'PX', 60_000)).resolves.toBe('OK');
      await expect(client.set('elsewhere:acl-probe', '1')).rejects.toThrow(/NOPERM/);
      await expect(client.flushall()).rejects.toThrow(/NOPERM/);
      // The configuration fan-out's one channel, and no other.
      await expect(client.publish(`${DEFAULT_QUEUE_PREFIX}:config`, '{}')).resolves.toBeGreaterThanOrEqual(0);
      await expect(client.publish('elsewhere:config', '{}')).rejects.toThrow(/NOPERM/);
      await expect(anonymous.get(`${DEFAULT_QUEUE_PREFIX}:acl-probe`)).rejects.toThrow(/NOAUTH/);
    } finally {
      client.disconnect();
      anonymous.disconnect();
    }
  });

  it.each(['worker', 'ingress'] as const)(
    'stops the %s with exit 78 and a clear message, never the password, when Redis refuses it',
    async (app) => {
      const wrong = `${PASSWORD.slice(0, 8)}-wrong-${randomBytes(8).toString('hex')}`;
      const started = start(wrong, [app]);
      const failure = await started.then(
        () => new Error('started'),
        (err: Error) => err,
      );
      expect(failure.message).toMatch(new RegExp(`${app} exited with code 78`));
      expect(failure.message).toContain('Redis refused the user and password of REDIS_URL (WRONGPASS');
      expect(failure.message).not.toContain(wrong);
    },
  );

  it('logs a refused Redis command without its arguments', async ({ onTestFailed }) => {
    // A prefix outside the ACL's key pattern: PING passes, so the ingress is ready, but every keyed command is refused.
    const stack = await start(PASSWORD, ['ingress'], 'outside-acl');
    onTestFailed(() => console.error(stack.logs()));
    const pod = `acl-${randomBytes(6).toString('hex')}`;
    const response = await postWebhook(
      stack.ingressUrl,
      stack.token,
      alertmanagerWebhook([
        { alertname: 'KubePodCrashLooping', namespace: 'shop', pod, startsAt: new Date().toISOString() },
      ]),
      { retryUnavailable: false },
    );
    expect(response.status).toBe(503);
    // The depth sampler logs the refused XLEN as it comes from the client, command and all.
    const logged = await waitFor(
      () => stack.output('ingress').find((line) => line.includes('NOPERM') && line.includes('"command"')) ?? false,
      { timeoutMs: 30_000, description: 'a refused command in the ingress log' },
    );
    expect(logged).toContain('"args":"<redacted>"');
    expect(stack.logs()).not.toContain('outside-acl:');
    expect(stack.logs()).not.toContain(PASSWORD);
  });
});
