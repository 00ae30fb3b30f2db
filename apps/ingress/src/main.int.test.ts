import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@gateway/config';
import { SIGNAL_QUEUE_NAME } from '@gateway/contracts';
import type { ManagedProcess } from '@gateway/testkit';
import {
  baseChildEnv,
  createTestRedis,
  deleteKeysWithPrefix,
  freePort,
  readFixtureText,
  startManagedProcess,
  testRedisUrl,
  uniquePrefix,
  waitFor,
} from '@gateway/testkit';
import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { waitingSignals } from './testing/test-ingress.js';

const distMain = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const hasDist = existsSync(distMain);
const TOKEN = 'process-test-token-0123456789abcdef012345';
const DRAIN_DELAY_MS = 800;

const redis = createTestRedis();
const prefix = uniquePrefix('ingress-main');
let child: ManagedProcess | undefined;

afterAll(async () => {
  if (child?.exitInfo() === undefined) await child?.stop('SIGKILL', 5_000);
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

describe.skipIf(!hasDist)('ingress main (built dist/main.js; run `pnpm exec tsc -b apps/ingress` first)', () => {
  it('accepts a signal with a token, then drains on SIGTERM and exits 0', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    child = startManagedProcess({
      name: 'ingress',
      args: [distMain],
      env: {
        ...baseChildEnv(),
        PORT: String(port),
        REDIS_URL: testRedisUrl(),
        QUEUE_PREFIX: prefix,
        GATEWAY_AUTH_TOKENS: ` ,${TOKEN}, `,
        GATEWAY_CFG__SHUTDOWN__DRAIN_DELAY: `${DRAIN_DELAY_MS}ms`,
        LOG_LEVEL: 'info',
      },
      readyUrl: `${base}/readyz`,
      readyTimeoutMs: 15_000,
    });
    await child.waitReady();
    // The hash comes from the shared configuration loader, so ingress and worker replicas report the same one.
    const loaded = loadConfig({ env: { GATEWAY_CFG__SHUTDOWN__DRAIN_DELAY: `${DRAIN_DELAY_MS}ms` } });
    expect(loaded.ok && (await (await fetch(`${base}/readyz`)).json())).toMatchObject({
      configHash: loaded.ok ? loaded.configHash : 'invalid',
    });

    const post = () =>
      fetch(`${base}/api/v1/signals/prometheus`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
        body: readFixtureText('alertmanager_v4_firing_multi.json'),
      });
    const accepted = await post();
    expect(accepted.status).toBe(202);
    const body = (await accepted.json()) as { accepted: number; requestId: string };
    expect(body.accepted).toBe(2);

    const reader = new Queue(SIGNAL_QUEUE_NAME, { connection: redis, prefix });
    try {
      const queued = await waitingSignals(reader);
      expect(queued).toHaveLength(2);
      for (const { signal } of queued) expect(signal.requestId).toBe(body.requestId);
    } finally {
      await reader.close();
    }

    // Over real HTTP too, an oversized body is refused from its Content-Length without being read.
    const oversized = await fetch(`${base}/api/v1/signals/prometheus`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
      body: ' '.repeat(262_145),
    });
    expect(oversized.status).toBe(413);
    expect(oversized.headers.get('x-content-type-options')).toBe('nosniff');

    const stoppedAt = performance.now();
    child.signal('SIGTERM');
    await waitFor(async () => (await fetch(`${base}/readyz`)).status === 503, {
      timeoutMs: DRAIN_DELAY_MS,
      description: 'readiness 503 during the drain delay',
    });
    expect((await post()).status).toBe(202);

    const exit = await child.exited();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(performance.now() - stoppedAt).toBeLessThan(DRAIN_DELAY_MS + 4_000);
    const output = child.output().join('\n');
    expect(output).toContain('shutdown complete');
    expect(output).not.toContain(TOKEN);
  });

  /** An ingress on a free port that ends with no drain delay; `base` is its URL. */
  async function startIngress(name: string, env: Record<string, string>) {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const started = startManagedProcess({
      name,
      args: [distMain],
      env: {
        ...baseChildEnv(),
        PORT: String(port),
        REDIS_URL: testRedisUrl(),
        QUEUE_PREFIX: prefix,
        GATEWAY_CFG__SHUTDOWN__DRAIN_DELAY: '0',
        ...env,
      },
      readyUrl: `${base}/readyz`,
      readyTimeoutMs: 15_000,
    });
    return { started, base };
  }

  it('says in its log that tracing is on when OTEL_EXPORTER_OTLP_ENDPOINT is set, without the endpoint', async () => {
    const { started: traced, base } = await startIngress('ingress-otel', {
      GATEWAY_AUTH_TOKENS: TOKEN,
      // Nothing listens there: spans that cannot be exported must not keep the ingress from serving.
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://user:secret@127.0.0.1:9/otlp',
      GATEWAY_CFG__LOGGING__FORMAT: 'pretty',
    });
    try {
      await traced.waitReady();
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const line = traced.output().find((text) => text.includes('tracing on'));
      expect(line).toMatch(/INFO/);
      expect(traced.output().join('\n')).not.toContain('secret');
    } finally {
      expect(await traced.stop('SIGTERM', 5_000)).toEqual({ code: 0, signal: null });
    }
  });

  it('starts without any token but warns that every signal request will get 401', async () => {
    const { started: tokenless, base } = await startIngress('ingress-tokenless', {});
    try {
      await tokenless.waitReady();
      const response = await fetch(`${base}/api/v1/signals/prometheus`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: readFixtureText('alertmanager_v4_firing_multi.json'),
      });
      expect(response.status).toBe(401);
      expect(tokenless.output().join('\n')).toContain('every signal request will be answered 401');
    } finally {
      expect(await tokenless.stop('SIGTERM', 5_000)).toEqual({ code: 0, signal: null });
    }
  });

  it('reloads its file on SIGHUP and through the admin endpoint, and lists itself in the fleet view', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ingress-main-reload-'));
    const configFile = join(dir, 'gateway.yaml');
    const admin = 'process-admin-token-0123456789abcdef01234';
    const yaml = (signalTokens: string[], rest = '') =>
      [
        'reload: {watch: false}',
        'auth:',
        '  tokens:',
        `    - {id: admin, token: ${admin}, scopes: [admin]}`,
        ...signalTokens.map((token, index) => `    - {id: signals-${index}, token: ${token}}`),
        rest,
      ].join('\n');
    // Renamed into place, as a reload must never read a half-written file.
    const write = (text: string) => {
      writeFileSync(`${configFile}.next`, text);
      renameSync(`${configFile}.next`, configFile);
    };
    const other = 'process-other-token-0123456789abcdef01234';
    write(yaml([TOKEN, other]));
    const { started, base } = await startIngress('ingress-reload', { GATEWAY_CONFIG: configFile });
    const post = async (token: string) =>
      (
        await fetch(`${base}/api/v1/signals/prometheus`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
          body: readFixtureText('alertmanager_v4_firing_multi.json'),
        })
      ).status;
    try {
      await started.waitReady();
      expect(await post(TOKEN)).toBe(202);

      write(yaml([other]));
      started.signal('SIGHUP');
      await waitFor(async () => (await post(TOKEN)) === 401, {
        timeoutMs: 5_000,
        description: 'the removed token to be refused after SIGHUP',
      });
      expect(await post(other)).toBe(202);

      write(yaml([other], 'queue: {retryAfterSeconds: 9}'));
      const reloaded = await fetch(`${base}/admin/config/reload`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${admin}` },
      });
      expect(reloaded.status).toBe(200);
      const result = (await reloaded.json()) as { result: string; configHash: string; changed: string[] };
      expect(result).toMatchObject({ result: 'reloaded', changed: ['queue'] });
      expect(await (await fetch(`${base}/readyz`)).json()).toMatchObject({ configHash: result.configHash });

      const fleet = await fetch(`${base}/admin/config/fleet`, { headers: { Authorization: `Bearer ${admin}` } });
      expect(fleet.status).toBe(200);
      expect(await fleet.json()).toMatchObject({
        members: [{ role: 'ingress', configHash: result.configHash }],
        converged: true,
      });
    } finally {
      expect(await started.stop('SIGTERM', 5_000)).toEqual({ code: 0, signal: null });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /** Starts an ingress that must refuse its configuration; its stderr. */
  async function refusedStartup(name: string, env: Record<string, string>): Promise<string> {
    const refused = startManagedProcess({
      name,
      args: [distMain],
      env: { ...baseChildEnv(), REDIS_URL: testRedisUrl(), ...env },
    });
    expect(await refused.exited()).toEqual({ code: 78, signal: null });
    return refused
      .output()
      .filter((line) => line.startsWith('!'))
      .join('\n');
  }

  it('exits 78 with every configuration problem on stderr', async () => {
    const stderr = await refusedStartup('ingress-invalid', {
      GATEWAY_CFG__QUEUE__LOW_WATER_MARK: '60000',
      GATEWAY_CFG__SERVER__BODY_LIMIT: '1',
    });
    expect(stderr).toContain('config rejected (2 problems)');
    expect(stderr).toContain('queue.lowWaterMark: got 60000; rule: must be below queue.highWaterMark');
    expect(stderr).toContain('server.bodyLimit: got 1; rule: unknown key');
  });

  it('exits 78 naming a key whose feature is not built, while OTEL_EXPORTER_OTLP_ENDPOINT adds no problem', async () => {
    const stderr = await refusedStartup('ingress-refused-key', {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318',
      GATEWAY_CFG__REDIS__WAIT_REPLICAS: '1',
    });
    expect(stderr).toContain('config rejected (1 problem)');
    expect(stderr).toContain(
      'redis.waitReplicas: got 1; rule: is not supported in this version; the Redis durability work (WAIT for replicas) brings it',
    );
  });

  it('exits 78 naming an enabled source whose type has no adapter', async () => {
    const unsupported = startManagedProcess({
      name: 'ingress-unsupported-source',
      args: [distMain],
      env: {
        ...baseChildEnv(),
        REDIS_URL: testRedisUrl(),
        GATEWAY_CFG__SOURCES__ACME_ALERTS__TYPE: 'plugin',
        GATEWAY_CFG__SOURCES__ACME_ALERTS__PLUGIN: 'acme',
        GATEWAY_CFG__SOURCES__ACME_ALERTS__ENABLED: 'true',
      },
    });
    expect(await unsupported.exited()).toEqual({ code: 78, signal: null });
    expect(unsupported.output().join('\n')).toContain(
      'sources.acme-alerts.plugin: got "acme"; rule: names no adapter of this build, and sources.acme-alerts is enabled',
    );
  });

  it('exits 78 with one line per broken key of a custom mapping, and naming a plugin that cannot load', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ingress-main-config-'));
    try {
      const configFile = join(dir, 'gateway.yaml');
      writeFileSync(
        configFile,
        [
          'sources:',
          '  broken:',
          '    type: custom',
          '    enabled: true',
          '    signalSource: broken',
          '    mapping: {signalName: "payload.(", severity: "[1,"}',
        ].join('\n'),
      );
      const custom = startManagedProcess({
        name: 'ingress-broken-mapping',
        args: [distMain],
        env: { ...baseChildEnv(), REDIS_URL: testRedisUrl(), GATEWAY_CONFIG: configFile },
      });
      expect(await custom.exited()).toEqual({ code: 78, signal: null });
      const stderr = custom
        .output()
        .filter((line) => line.startsWith('!'))
        .join('\n');
      expect(stderr).toContain(`config rejected (2 problems) in ${configFile}`);
      expect(stderr).toMatch(/\n.* {2}sources\.broken\.mapping\.signalName: /);
      expect(stderr).toMatch(/\n.* {2}sources\.broken\.mapping\.severity: /);

      const plugin = fileURLToPath(
        new URL('../../../packages/sources/test-plugins/wrong-api-version', import.meta.url),
      );
      writeFileSync(configFile, `plugins: [{module: ${plugin}}]\n`);
      const badPlugin = startManagedProcess({
        name: 'ingress-bad-plugin',
        args: [distMain],
        env: { ...baseChildEnv(), REDIS_URL: testRedisUrl(), GATEWAY_CONFIG: configFile },
      });
      expect(await badPlugin.exited()).toEqual({ code: 78, signal: null });
      expect(badPlugin.output().join('\n')).toContain(`config rejected: plugin ${JSON.stringify(plugin)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
