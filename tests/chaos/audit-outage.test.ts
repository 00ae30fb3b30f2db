import { createTestRedis, type DataStorageStub, startDataStorageStub, waitFor } from '@gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertmanagerWebhook, type PodAlert, podFingerprint, postWebhook } from '../support/alerts.js';
import { type GatewayFixture, startGatewayFixture } from '../support/gateway-fixture.js';
import { FAST_WORKER_ENV, waitForQuiet } from './support/chaos.js';

// Invariant 4 (issue 3's acceptance): audit events live in Redis until Data Storage has them, so an outage of
// Data Storage or a crash of the shipping worker loses none; ids are stable, so re-sends are idempotent.
interface DeliveredEvent {
  event_id?: string;
  event_type: string;
  event_data: { fingerprint?: string };
}

const EXPECTED_TYPES = ['gateway.crd.created', 'gateway.signal.received'] as const;

/**
 * Per fingerprint and expected type, the distinct event ids delivered. Complete when every fingerprint has
 * every expected type; each must carry exactly one id (re-deliveries repeat that id, never a new one).
 */
function deliveredIds(stub: DataStorageStub, fingerprints: readonly string[]): Map<string, Set<string>> {
  const wanted = new Set(fingerprints);
  const ids = new Map<string, Set<string>>();
  for (const raw of stub.events()) {
    const event = raw as DeliveredEvent;
    const fingerprint = event.event_data?.fingerprint;
    if (!fingerprint || !wanted.has(fingerprint) || !(EXPECTED_TYPES as readonly string[]).includes(event.event_type))
      continue;
    const key = `${fingerprint} ${event.event_type}`;
    const set = ids.get(key) ?? new Set<string>();
    set.add(event.event_id ?? '(no event_id)');
    ids.set(key, set);
  }
  return ids;
}

async function expectAllDelivered(
  stub: DataStorageStub,
  fingerprints: readonly string[],
  timeoutMs: number,
): Promise<void> {
  const expected = fingerprints.length * EXPECTED_TYPES.length;
  await waitFor(
    () => {
      const have = deliveredIds(stub, fingerprints).size;
      if (have < expected) throw new Error(`${have} of ${expected} (fingerprint, type) pairs delivered`);
      return true;
    },
    { timeoutMs, intervalMs: 200, description: 'every expected audit event to reach Data Storage' },
  );
  const ids = deliveredIds(stub, fingerprints);
  const unstable = [...ids].filter(([, set]) => set.size !== 1 || set.has('(no event_id)'));
  expect(unstable.slice(0, 5).map(([key, set]) => `${key}: ${[...set].join(', ')}`)).toEqual([]);
  expect(
    stub
      .invalid()
      .map((r) => r.reason)
      .slice(0, 5),
  ).toEqual([]);
}

describe('audit delivery through Data Storage faults', () => {
  let stub: DataStorageStub;
  let fx: GatewayFixture;

  beforeAll(async () => {
    stub = await startDataStorageStub();
    fx = await startGatewayFixture({ stack: { dataStorageUrl: stub.url, env: { worker: FAST_WORKER_ENV } } });
  }, 60_000);

  afterAll(async () => {
    await fx?.close();
    await stub?.close();
  });

  const auditKey = (): string => `${fx.stack.queuePrefix}:audit`;

  it('delivers every created and received event of 500 new alerts after a 10 s Data Storage outage', async ({
    onTestFailed,
  }) => {
    onTestFailed(() => console.error(fx.stack.logs()));
    const redis = createTestRedis();
    try {
      const alerts: PodAlert[] = Array.from({ length: 500 }, (_, i) => ({
        alertname: 'KubePodCrashLooping',
        namespace: 'audit-chaos',
        pod: `outage-${i}`,
        startsAt: '2026-11-27T08:00:00.000Z',
      }));
      const fingerprints = alerts.map((a) => podFingerprint(a.alertname, a.namespace, a.pod));

      await stub.down();
      const downSince = Date.now();
      for (let batch = 0; batch < 10; batch += 1) {
        const res = await postWebhook(
          fx.stack.ingressUrl,
          fx.stack.token,
          alertmanagerWebhook(alerts.slice(batch * 50, batch * 50 + 50), `{}:{batch="${batch}"}`),
        );
        const body = await res.text();
        expect(res.status, body).toBe(202);
        expect((JSON.parse(body) as { accepted: number }).accepted).toBe(50);
      }
      await waitFor(() => fx.rrs().length === 500 || false, {
        timeoutMs: 45_000,
        intervalMs: 200,
        description: '500 RRs (Kubernetes is up, only audit is down)',
      }).catch((err: Error) => {
        throw new Error(`${err.message} (have ${fx.rrs().length})\n${fx.stack.logs()}`);
      });
      // At least the 1000 expected events wait in Redis while Data Storage is down: none got out.
      await waitFor(async () => (await redis.xlen(auditKey())) >= 1000, {
        timeoutMs: 15_000,
        description: 'the audit backlog to hold every event',
      });
      expect(deliveredIds(stub, fingerprints).size).toBe(0);
      // Keep Data Storage away for its full 10 s (scenario length, not a wait for an outcome).
      await waitFor(() => Date.now() - downSince >= 10_000, { timeoutMs: 15_000, intervalMs: 100 });
      await stub.up();

      await expectAllDelivered(stub, fingerprints, 40_000).catch((err: Error) => {
        throw new Error(`${err.message}\n${fx.stack.logs()}`);
      });
      expect(fx.rrs()).toHaveLength(500);
      await waitForQuiet(fx.stack.queuePrefix, 20_000, () => fx.stack.logs());
    } finally {
      redis.disconnect();
    }
  });

  it('delivers a batch that was in flight to a stalled Data Storage when the shipping worker is killed', async ({
    onTestFailed,
  }) => {
    onTestFailed(() => console.error(fx.stack.logs()));
    const redis = createTestRedis();
    const STALL_MS = 45_000;
    try {
      const alerts: PodAlert[] = Array.from({ length: 20 }, (_, i) => ({
        alertname: 'KubePodCrashLooping',
        namespace: 'audit-chaos',
        pod: `stalled-${i}`,
        startsAt: '2026-11-27T09:00:00.000Z',
      }));
      const fingerprints = alerts.map((a) => podFingerprint(a.alertname, a.namespace, a.pod));
      // Previous deliveries are done; from now on Data Storage holds every batch without answering.
      await waitFor(async () => (await redis.xpending(auditKey(), 'shippers'))[0] === 0, {
        timeoutMs: 20_000,
        description: 'no audit entry pending before the stall',
      });
      stub.stall(STALL_MS);
      const stalledSince = Date.now();
      const res = await postWebhook(fx.stack.ingressUrl, fx.stack.token, alertmanagerWebhook(alerts, '{}:{stall="1"}'));
      expect(res.status, await res.text()).toBe(202);
      // The shipper has read a batch (pending in its consumer group) and is waiting on Data Storage for it; the
      // rest of the 40 events wait in the stream behind it.
      const inFlight = await waitFor(
        async () => {
          const [pending] = (await redis.xpending(auditKey(), 'shippers')) as [number];
          return pending > 0 ? pending : false;
        },
        { timeoutMs: 20_000, intervalMs: 50, description: 'the shipper to hold a batch' },
      );
      expect(inFlight).toBeGreaterThan(0);
      expect(deliveredIds(stub, fingerprints).size).toBe(0);

      await fx.stack.kill('worker', 'SIGKILL');
      stub.stall(0);
      await fx.stack.restart('worker');

      await expectAllDelivered(stub, fingerprints, 30_000).catch((err: Error) => {
        throw new Error(`${err.message}\n${fx.stack.logs()}`);
      });
      // Delivered by the restarted worker, not by the dead one's stalled request, which is still held.
      expect(Date.now() - stalledSince).toBeLessThan(STALL_MS);
      await waitFor(async () => (await redis.xpending(auditKey(), 'shippers'))[0] === 0, {
        timeoutMs: 20_000,
        description: 'every audit entry acknowledged',
      });
    } finally {
      redis.disconnect();
    }
  });
});
