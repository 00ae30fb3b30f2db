import { mkdir, mkdtemp, readlink, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestRedis,
  deleteKeysWithPrefix,
  type GatewayStack,
  type KubeSandbox,
  readMetric,
  startGatewayStack,
  startKubeSandbox,
  waitFor,
} from '@gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RR_NAMESPACE } from '../support/gateway-fixture.js';
import { readiness } from './support.js';

/**
 * A directory laid out as the kubelet lays out a ConfigMap volume: the file is a symlink through `..data`, and an
 * update writes a new timestamped directory and swaps `..data` to it in one rename.
 */
async function configMapVolume(dir: string, yaml: string) {
  let version = 0;
  const publish = async (content: string) => {
    version += 1;
    const data = `..2026_12_02_00_00_${String(version).padStart(2, '0')}`;
    await mkdir(join(dir, data));
    await writeFile(join(dir, data, 'gateway.yaml'), content);
    const previous = await readlink(join(dir, '..data')).catch(() => undefined);
    await symlink(data, join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    if (previous) await rm(join(dir, previous), { recursive: true, force: true });
  };
  await publish(yaml);
  await symlink('..data/gateway.yaml', join(dir, 'gateway.yaml'));
  return { path: join(dir, 'gateway.yaml'), publish };
}

const WATCHED = 'reload: {debounce: 50ms, pollInterval: 5s}\n';

describe('reload triggers', () => {
  let dir: string;
  let sandbox: KubeSandbox;
  let stack: GatewayStack;
  let volume: Awaited<ReturnType<typeof configMapVolume>>;
  const ready = (app: 'ingress' | 'worker') =>
    readiness(`${app === 'ingress' ? stack.ingressUrl : stack.workerUrl}/readyz`);
  const hashes = async () => [(await ready('ingress')).configHash, (await ready('worker')).configHash];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'reload-triggers-'));
    volume = await configMapVolume(dir, WATCHED);
    sandbox = await startKubeSandbox();
    const kubeconfig = sandbox.writeKubeconfig(join(dir, 'kubeconfig'), RR_NAMESPACE);
    const shared = {
      GATEWAY_CONFIG: volume.path,
      GATEWAY_CFG__SHUTDOWN__DRAIN_DELAY: '0s',
      GATEWAY_CFG__AUDIT__FILE__PATH: join(dir, 'audit.jsonl'),
    };
    stack = await startGatewayStack({
      kubeconfig,
      auditFilePath: join(dir, 'audit.jsonl'),
      env: { ingress: shared, worker: shared },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await sandbox?.close();
    const redis = createTestRedis();
    if (stack) await deleteKeysWithPrefix(redis, stack.queuePrefix);
    await redis.quit();
    await rm(dir, { recursive: true, force: true });
  });

  it('applies a ConfigMap update (the ..data symlink swap) in both apps', async () => {
    const [before] = await hashes();
    await volume.publish(`${WATCHED}logging: {level: debug}\n`);
    const after = await waitFor(
      async () => {
        const current = await hashes();
        return current[0] !== before && current[0] === current[1] ? current[0] : undefined;
      },
      { timeoutMs: 5000, description: 'both apps on the new hash' },
    );
    const metrics = await (await fetch(`${stack.ingressUrl}/metrics`)).text();
    expect(readMetric(metrics, 'gateway_config_info', { hash: after ?? '' })).toBe(1);
    expect(readMetric(metrics, 'gateway_config_reloads_total', { result: 'success', trigger: 'file' })).toBe(1);
  });

  it('keeps the running configuration on an invalid update and reports it until a valid one arrives', async () => {
    const [before] = await hashes();
    await volume.publish(`${WATCHED}queue: {highWaterMark: 10, lowWaterMark: 5}\n`);
    const report = await waitFor(
      async () => {
        const current = await ready('ingress');
        return current.configProblems ? current : undefined;
      },
      { timeoutMs: 5000, description: 'the ingress to report the rejected file' },
    );
    expect(report.configProblems).toEqual(['queue.highWaterMark: must be an integer between 100 and 10000000']);
    expect(await hashes()).toEqual([before, before]);
    const metrics = await (await fetch(`${stack.workerUrl}/metrics`)).text();
    expect(readMetric(metrics, 'gateway_config_last_reload_successful')).toBe(0);

    await volume.publish(`${WATCHED}logging: {level: debug}\nqueue: {retryAfterSeconds: 2}\n`);
    await waitFor(
      async () => {
        const [ingress, worker] = await Promise.all([ready('ingress'), ready('worker')]);
        return ingress.configHash !== before && ingress.configHash === worker.configHash && !ingress.configProblems;
      },
      { timeoutMs: 5000, description: 'both apps on the repaired file' },
    );
  });

  it('keeps the running configuration while the file is missing and applies it when it returns', async () => {
    const [before] = await hashes();
    await unlink(volume.path);
    await waitFor(async () => (await ready('worker')).configProblems?.[0]?.startsWith('GATEWAY_CONFIG'), {
      timeoutMs: 8000,
      description: 'the worker to report the missing file',
    });
    expect(await hashes()).toEqual([before, before]);
    await symlink('..data/gateway.yaml', volume.path);
    await volume.publish(`${WATCHED}logging: {level: warn}\n`);
    await waitFor(
      async () => {
        const current = await hashes();
        return current[0] !== before && current[0] === current[1];
      },
      { timeoutMs: 8000, description: 'both apps on the restored file' },
    );
  });

  it('lists a restart-only change in /readyz without applying it', async () => {
    await volume.publish(
      `${WATCHED}logging: {level: warn}\nserver: {keepAliveTimeout: 30s}\nworker: {lockDuration: 20s}\n`,
    );
    const report = await waitFor(
      async () => {
        const current = await ready('worker');
        return current.restartRequired.length > 0 ? current : undefined;
      },
      { timeoutMs: 5000, description: 'the restart-only keys in /readyz' },
    );
    expect(report.restartRequired).toEqual(['server.keepAliveTimeout', 'worker.lockDuration']);
    for (const url of [stack.ingressUrl, stack.workerUrl]) {
      await waitFor(
        async () => readMetric(await (await fetch(`${url}/metrics`)).text(), 'gateway_config_restart_required') === 1,
        { timeoutMs: 5000, description: `gateway_config_restart_required 1 on ${url}` },
      );
    }
  });

  it('reloads on SIGHUP when the file is not watched', async () => {
    const unwatched = await mkdtemp(join(tmpdir(), 'reload-sighup-'));
    const path = join(unwatched, 'gateway.yaml');
    await writeFile(path, 'reload: {watch: false}\n');
    const ingressOnly = await startGatewayStack({ apps: ['ingress'], env: { ingress: { GATEWAY_CONFIG: path } } });
    try {
      const before = (await readiness(`${ingressOnly.ingressUrl}/readyz`)).configHash;
      await writeFile(path, 'reload: {watch: false}\nlogging: {level: debug}\n');
      ingressOnly.signal('ingress', 'SIGHUP');
      await waitFor(async () => (await readiness(`${ingressOnly.ingressUrl}/readyz`)).configHash !== before, {
        timeoutMs: 5000,
        description: 'the ingress to reload on SIGHUP',
      });
      const metrics = await (await fetch(`${ingressOnly.ingressUrl}/metrics`)).text();
      expect(readMetric(metrics, 'gateway_config_reloads_total', { result: 'success', trigger: 'signal' })).toBe(1);
    } finally {
      await ingressOnly.stop();
      const redis = createTestRedis();
      await deleteKeysWithPrefix(redis, ingressOnly.queuePrefix);
      await redis.quit();
      await rm(unwatched, { recursive: true, force: true });
    }
  });
});
