import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUDIT_EVENT_FIELD, auditStreamKey } from '@gateway/audit';
import { type ConfigSnapshot, createConfigRuntime, type LoadedConfig, loadConfig } from '@gateway/config';
import { createTestRedis, deleteKeysWithPrefix, uniquePrefix, waitFor } from '@gateway/testkit';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { readFleet } from './fleet-registry.js';
import { createReloadController, type ReloadController, type ReloadResult } from './reload-controller.js';
import { createReloadMetrics } from './reload-metrics.js';

interface Process {
  controller: ReloadController;
  hash(): string;
  registry: Registry;
  logLines: string[];
}

const silentCollector = (lines: string[]) => ({
  info: (_object: object, message: string) => lines.push(`info ${message}`),
  warn: (_object: object, message: string) => lines.push(`warn ${message}`),
  error: (_object: object, message: string) => lines.push(`error ${message}`),
});

describe('reload-controller', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function configFile(yaml: string): { path: string; write(next: string): void } {
    const dir = mkdtempSync(join(tmpdir(), 'reload-controller-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'config.yaml');
    // Written beside and renamed into place, as a careful operator (or a ConfigMap) does.
    const write = (next: string) => {
      writeFileSync(`${path}.tmp`, next);
      renameSync(`${path}.tmp`, path);
    };
    write(yaml);
    return { path, write };
  }

  async function startProcess(path: string, prefix: string, id: string, rollbackCheckIntervalMs = 60_000) {
    const env = { GATEWAY_CONFIG: path };
    const initial = loadConfig({ env });
    if (!initial.ok) throw new Error(JSON.stringify(initial.problems));
    const runtime = createConfigRuntime({ initial: initial as LoadedConfig, build: (s: ConfigSnapshot) => s });
    const redis = createTestRedis();
    const subscriber = createTestRedis();
    const registry = new Registry();
    const logLines: string[] = [];
    const controller = createReloadController(
      {
        runtime,
        load: () => loadConfig({ env }),
        role: 'ingress',
        processId: id,
        pod: id,
        redis,
        subscriber,
        prefix,
        configPath: path,
        logger: silentCollector(logLines),
        metrics: createReloadMetrics(registry),
        nowMs: () => Date.now(),
      },
      { rollbackCheckIntervalMs },
    );
    await controller.start();
    cleanups.push(async () => {
      await controller.stop();
      await Promise.all([redis.quit(), subscriber.quit()]);
    });
    return { controller, hash: () => runtime.current().snapshot.configHash, registry, logLines } satisfies Process;
  }

  async function prefixFor(label: string): Promise<{ prefix: string; redis: Redis }> {
    const prefix = uniquePrefix(label);
    const redis = createTestRedis();
    cleanups.push(async () => {
      await deleteKeysWithPrefix(redis, prefix);
      await redis.quit();
    });
    return { prefix, redis };
  }

  async function auditEvents(redis: Redis, prefix: string) {
    const entries = await redis.xrange(auditStreamKey(prefix), '-', '+');
    return entries.map(([, fields]) => {
      const raw = fields[fields.indexOf(AUDIT_EVENT_FIELD) + 1] ?? '{}';
      return JSON.parse(raw) as {
        event_type: string;
        resource_id: string;
        correlation_id: string;
        event_data: Record<string, unknown>;
      };
    });
  }

  it('applies a file change, audits each changed section and reports it in metrics and the fleet view', async () => {
    const { prefix, redis } = await prefixFor('reload-file');
    const file = configFile('reload: {debounce: 50ms}\nlogging: {level: info}\n');
    const proc = await startProcess(file.path, prefix, 'p1');
    const before = proc.hash();

    file.write('reload: {debounce: 50ms}\nlogging: {level: debug}\nqueue: {retryAfterSeconds: 7}\n');

    await waitFor(() => proc.hash() !== before, { timeoutMs: 5000, description: 'the file change to apply' });
    const events = await waitFor(
      async () => {
        const found = await auditEvents(redis, prefix);
        return found.length === 2 ? found : undefined;
      },
      { timeoutMs: 5000, description: 'two reloaded events' },
    );
    expect(events.map((event) => [event.event_type, event.resource_id])).toEqual([
      ['gateway.config.reloaded', 'queue'],
      ['gateway.config.reloaded', 'logging'],
    ]);
    expect(events[0]?.correlation_id).toBe(`config-reload-${proc.hash()}`);
    const metrics = await proc.registry.getMetricsAsJSON();
    const reloads = metrics.find((metric) => metric.name === 'gateway_config_reloads_total');
    expect(reloads?.values).toContainEqual(
      expect.objectContaining({ value: 1, labels: { result: 'success', trigger: 'file' } }),
    );
    await waitFor(async () => (await readFleet(redis, prefix, Date.now())).members[0]?.configHash === proc.hash(), {
      timeoutMs: 5000,
      description: 'the fleet view to show the new hash',
    });
  });

  it('keeps the running configuration on an invalid file and reports the problems until a valid one arrives', async () => {
    const { prefix, redis } = await prefixFor('reload-invalid');
    const file = configFile('reload: {watch: false}\n');
    const proc = await startProcess(file.path, prefix, 'p1');
    const before = proc.hash();

    file.write('reload: {watch: false}\nqueue: {lowWaterMark: 90000}\n');
    const result = await proc.controller.reload({ trigger: 'signal' });

    expect(result).toMatchObject({ result: 'rejected', component: 'queue' });
    expect(proc.hash()).toBe(before);
    expect(proc.controller.readiness().configProblems).toEqual([
      'queue.lowWaterMark: must be below queue.highWaterMark (50000)',
    ]);
    const [event] = await auditEvents(redis, prefix);
    expect(event).toMatchObject({ event_type: 'gateway.config.rejected', resource_id: 'queue' });
    expect(event?.event_data.rejection_reason).toBe('queue.lowWaterMark: must be below queue.highWaterMark (50000)');

    rmSync(file.path);
    expect(await proc.controller.reload({ trigger: 'signal' })).toMatchObject({
      result: 'rejected',
      component: 'config',
    });

    file.write('reload: {watch: false}\nqueue: {retryAfterSeconds: 3}\n');
    expect(await proc.controller.reload({ trigger: 'signal' })).toMatchObject({
      result: 'reloaded',
      changed: ['queue'],
    });
    expect(proc.controller.readiness()).toEqual({ restartRequired: [] });
  });

  it('reports a restart-only change without applying it', async () => {
    const { prefix } = await prefixFor('reload-restart');
    const file = configFile('reload: {watch: false}\n');
    const proc = await startProcess(file.path, prefix, 'p1');
    file.write('reload: {watch: false}\nserver: {port: 9999}\n');
    const result = await proc.controller.reload({ trigger: 'admin' });
    expect(result).toMatchObject({ result: 'reloaded', changed: [], restartRequired: ['server.port'] });
    expect(proc.controller.readiness()).toEqual({ restartRequired: ['server.port'] });
    const metrics = await proc.registry.getSingleMetricAsString('gateway_config_restart_required');
    expect(metrics).toContain('gateway_config_restart_required 1');
  });

  it('reloads every process of the fleet from one admin reload', async () => {
    const { prefix, redis } = await prefixFor('reload-fanout');
    const file = configFile('reload: {watch: false}\n');
    const first = await startProcess(file.path, prefix, 'p1');
    const second = await startProcess(file.path, prefix, 'p2');
    file.write('reload: {watch: false}\nlogging: {level: warn}\n');

    const result: ReloadResult = await first.controller.reload({ trigger: 'admin', fanOut: true });

    expect(result.result).toBe('reloaded');
    await waitFor(() => second.hash() === first.hash(), {
      timeoutMs: 2000,
      description: 'the second process to follow',
    });
    await waitFor(async () => (await readFleet(redis, prefix, Date.now())).converged, {
      timeoutMs: 5000,
      description: 'the fleet view to converge',
    });
  });

  it('rolls back a reload that raises the error ratio, on every process, and quarantines it until forced', async () => {
    const { prefix, redis } = await prefixFor('reload-rollback');
    const guarded = 'reload:\n  watch: false\n  autoRollback: {enabled: true, minRequests: 20, minErrors: 5}\n';
    const file = configFile(guarded);
    const first = await startProcess(file.path, prefix, 'p1', 50);
    const second = await startProcess(file.path, prefix, 'p2', 50);
    const good = first.hash();
    for (let i = 0; i < 100; i += 1) first.controller.recordOutcome(false);

    file.write(`${guarded}logging: {level: debug}\n`);
    await first.controller.reload({ trigger: 'admin', fanOut: true });
    await waitFor(() => second.hash() === first.hash() && first.hash() !== good, {
      timeoutMs: 2000,
      description: 'both processes on the new configuration',
    });
    const bad = first.hash();
    for (let i = 0; i < 40; i += 1) first.controller.recordOutcome(i % 2 === 0);

    await waitFor(() => first.hash() === good && second.hash() === good, {
      timeoutMs: 5000,
      description: 'both processes back on the previous configuration',
    });
    const rejected = (await auditEvents(redis, prefix)).filter(
      (event) => event.event_type === 'gateway.config.rejected',
    );
    expect(rejected.map((event) => event.correlation_id)).toEqual([`config-reload-${bad}`, `config-reload-${bad}`]);
    expect(String(rejected[0]?.event_data.rejection_reason)).toMatch(
      new RegExp(
        `^automatic rollback: error ratio 0\\.500 \\(20/40\\) exceeded 0\\.050 within \\d+s of reload ${bad}$`,
      ),
    );

    // The file still holds the rolled-back candidate: reloads skip it until forced.
    expect(await second.controller.reload({ trigger: 'file' })).toEqual({ result: 'quarantined', configHash: bad });
    expect(await second.controller.reload({ trigger: 'signal', force: true })).toMatchObject({ result: 'reloaded' });
    expect(second.hash()).toBe(bad);
  });
});
