import { setTimeout as delay } from 'node:timers/promises';
import { createTestRedis, deleteKeysWithPrefix, uniquePrefix, waitFor } from '@gateway/testkit';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  createFleetRegistry,
  FLEET_STALE_AFTER_MS,
  type FleetRegistry,
  type FleetRole,
  fleetKey,
  readFleet,
} from './fleet-registry.js';

const redis = createTestRedis();
const prefixes: string[] = [];
let registries: FleetRegistry[] = [];
const startMs = Date.parse('2026-12-02T12:00:00.000Z');

afterEach(async () => {
  for (const registry of registries) await registry.stop();
  registries = [];
});

afterAll(async () => {
  for (const prefix of prefixes) await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

function newPrefix(): string {
  const prefix = uniquePrefix('fleet');
  prefixes.push(prefix);
  return prefix;
}

interface TestMember {
  registry: FleetRegistry;
  state: { configHash: string; restartRequired: string[] };
  clock: { nowMs: number };
  errors: Error[];
}

function member(prefix: string, id: string, role: FleetRole, configHash: string, heartbeatMs = 600_000): TestMember {
  const state = { configHash, restartRequired: [] as string[] };
  const clock = { nowMs: startMs };
  const errors: Error[] = [];
  const registry = createFleetRegistry({
    redis,
    prefix,
    member: { id, role, pod: `pod-${id}` },
    state: () => state,
    heartbeatMs,
    nowMs: () => clock.nowMs,
    onError: (error) => errors.push(error),
  });
  registries.push(registry);
  return { registry, state, clock, errors };
}

async function waitForMembers(prefix: string, count: number): Promise<void> {
  await waitFor(async () => (await readFleet(redis, prefix, startMs)).members.length === count, {
    timeoutMs: 5_000,
    description: `${count} fleet members`,
  });
}

describe('fleet registry', () => {
  it('is not converged while two members run different hashes, and converged once one reports the other', async () => {
    const prefix = newPrefix();
    const worker = member(prefix, 'worker-a:1', 'worker', 'hash-old');
    const ingressB = member(prefix, 'ingress-b:1', 'ingress', 'hash-new');
    const ingressA = member(prefix, 'ingress-a:1', 'ingress', 'hash-new');
    ingressA.state.restartRequired = ['server.port'];
    for (const { registry } of [worker, ingressB, ingressA]) registry.start();
    await waitForMembers(prefix, 3);

    const before = await readFleet(redis, prefix, startMs);
    expect(before.converged).toBe(false);
    expect(before.hashes).toEqual({ 'hash-old': 1, 'hash-new': 2 });
    expect(before.members).toEqual([
      {
        id: 'ingress-a:1',
        role: 'ingress',
        pod: 'pod-ingress-a:1',
        configHash: 'hash-new',
        restartRequired: ['server.port'],
        reportedAt: '2026-12-02T12:00:00.000Z',
      },
      expect.objectContaining({ id: 'ingress-b:1', role: 'ingress' }),
      expect.objectContaining({ id: 'worker-a:1', role: 'worker', configHash: 'hash-old' }),
    ]);

    worker.state.configHash = 'hash-new';
    await worker.registry.report();

    const after = await readFleet(redis, prefix, startMs);
    expect(after.converged).toBe(true);
    expect(after.hashes).toEqual({ 'hash-new': 3 });
  });

  it('reports again on every heartbeat', async () => {
    const prefix = newPrefix();
    const worker = member(prefix, 'worker-a:1', 'worker', 'hash-old', 50);
    worker.registry.start();
    await waitForMembers(prefix, 1);

    worker.state.configHash = 'hash-new';
    worker.clock.nowMs = startMs + 1_000;
    await waitFor(async () => (await readFleet(redis, prefix, startMs + 1_000)).hashes['hash-new'] === 1, {
      timeoutMs: 5_000,
      description: 'a heartbeat with the new hash',
    });
    expect(worker.errors).toEqual([]);
  });

  it('leaves out and deletes members silent for longer than the staleness period', async () => {
    const prefix = newPrefix();
    const crashed = member(prefix, 'worker-crashed:1', 'worker', 'hash-old');
    const alive = member(prefix, 'worker-alive:1', 'worker', 'hash-new');
    alive.clock.nowMs = startMs + 10_000;
    await crashed.registry.report();
    await alive.registry.report();
    await redis.hset(fleetKey(prefix), 'from-another-release', '{"id":"x","shape":"unknown"}');

    const atLimit = await readFleet(redis, prefix, startMs + FLEET_STALE_AFTER_MS);
    expect(atLimit.members.map((m) => m.id)).toEqual(['worker-alive:1', 'worker-crashed:1']);

    const past = await readFleet(redis, prefix, startMs + FLEET_STALE_AFTER_MS + 1);
    expect(past.members.map((m) => m.id)).toEqual(['worker-alive:1']);
    expect(past).toMatchObject({ hashes: { 'hash-new': 1 }, converged: true });
    expect((await redis.hkeys(fleetKey(prefix))).sort()).toEqual(['from-another-release', 'worker-alive:1']);
  });

  it('removes the member on stop and writes nothing afterwards', async () => {
    const prefix = newPrefix();
    const leaving = member(prefix, 'ingress-leaving:1', 'ingress', 'hash-a', 20);
    const staying = member(prefix, 'ingress-staying:1', 'ingress', 'hash-a');
    leaving.registry.start();
    await staying.registry.report();
    await waitForMembers(prefix, 2);

    await leaving.registry.stop();
    await leaving.registry.report();
    // Three heartbeat periods: a heartbeat still running would have written the member back by now.
    await delay(3 * 20);

    expect(await redis.hkeys(fleetKey(prefix))).toEqual(['ingress-staying:1']);
    expect((await readFleet(redis, prefix, startMs)).members.map((m) => m.id)).toEqual(['ingress-staying:1']);
  });

  it('is an empty, unconverged view when no member has reported', async () => {
    expect(await readFleet(redis, newPrefix(), startMs)).toEqual({ members: [], hashes: {}, converged: false });
  });
});
