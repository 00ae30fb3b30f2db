import { remediationRequestName, sha256Hex } from '@gateway/contracts';
import { createTestRedis, deleteKeysWithPrefix, uniquePrefix } from '@gateway/testkit';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AdmitRequest, AUDIT_PLACEHOLDER, type WindowStore } from '../pipeline/window-store.js';
import { createRedisWindowStore } from './redis-window-store.js';

const FLUSH_INTERVAL_MS = 1000;
const T0 = 1_700_000_000_000;

const connections: Redis[] = [];
const prefixes: string[] = [];

function connect(count: number): Redis[] {
  const created = Array.from({ length: count }, () => createTestRedis());
  connections.push(...created);
  return created;
}

function newPrefix(): string {
  const prefix = uniquePrefix('dedup-admit');
  prefixes.push(prefix);
  return prefix;
}

function fingerprintFor(label: string): string {
  return sha256Hex(`${label}:${Math.random()}`);
}

function admitRequest(fingerprint: string, signalId: string, overrides: Partial<AdmitRequest> = {}): AdmitRequest {
  return {
    fingerprint,
    signalId,
    deliveryKeyHash: null,
    deliveryDedupTtlMs: 600_000,
    receivedAtMs: T0,
    namespace: 'kubernaut-system',
    terminalRrNames: [],
    flushIntervalMs: FLUSH_INTERVAL_MS,
    nowMs: T0,
    duplicateAuditEvent: `{"signal":"${signalId}","rr":${AUDIT_PLACEHOLDER.rrName},"ref":${AUDIT_PLACEHOLDER.rrRef},"count":${AUDIT_PLACEHOLDER.count}}`,
    ...overrides,
  };
}

async function auditEvents(redis: Redis, prefix: string): Promise<unknown[]> {
  const entries = await redis.xrange(`${prefix}:audit`, '-', '+');
  return entries.map(([, fields]) => JSON.parse(fields[1] ?? 'null'));
}

let redis: Redis;
beforeAll(() => {
  [redis] = connect(1) as [Redis];
});
afterEach(async () => {
  for (const prefix of prefixes.splice(0)) await deleteKeysWithPrefix(redis, prefix);
});
afterAll(async () => {
  await Promise.all(connections.map((connection) => connection.quit()));
});

describe('admit', () => {
  async function admitConcurrently(connectionCount: number, signalCount: number) {
    const prefix = newPrefix();
    const stores: WindowStore[] = connect(connectionCount).map((c) => createRedisWindowStore(c, { prefix }));
    const fp = fingerprintFor('concurrent');
    const admissions = await Promise.all(
      Array.from({ length: signalCount }, (_, i) =>
        stores[i % stores.length]!.admit(admitRequest(fp, `sig-${i}`, { receivedAtMs: T0 + i })),
      ),
    );
    const count = await redis.hget(`${prefix}:win:${fp}`, 'count');
    return { admissions, count, prefix, fp };
  }

  it('claims exactly once and counts every other signal when 200 admits race on 4 connections', async () => {
    const { admissions, count, prefix, fp } = await admitConcurrently(4, 200);
    const claimed = admissions.filter((a) => a.decision === 'claimed');
    expect(claimed).toEqual([
      { decision: 'claimed', rr: remediationRequestName(fp, 1), namespace: 'kubernaut-system', seq: 1, count: 1 },
    ]);
    expect(admissions.filter((a) => a.decision === 'duplicate')).toHaveLength(199);
    expect(count).toBe('200');
    const counts = admissions.flatMap((a) => (a.decision === 'duplicate' ? [a.count] : [])).sort((a, b) => a - b);
    expect(counts).toEqual(Array.from({ length: 199 }, (_, i) => i + 2));
    expect(await redis.hget(`${prefix}:win:${fp}`, 'last')).toBe(String(T0 + 199));
    expect(await auditEvents(redis, prefix)).toHaveLength(199);
  });

  it('claims exactly once when 100 admits race on 16 connections', async () => {
    const { admissions, count } = await admitConcurrently(16, 100);
    expect(admissions.filter((a) => a.decision === 'claimed')).toHaveLength(1);
    expect(admissions.filter((a) => a.decision === 'duplicate')).toHaveLength(99);
    expect(count).toBe('100');
  });

  it('neither counts nor audits a redelivery, and counts the key again once its TTL expired', async () => {
    const prefix = newPrefix();
    const store = createRedisWindowStore(redis, { prefix });
    const fp = fingerprintFor('redelivery');
    const deliveryKeyHash = sha256Hex(`prometheus\u0000${fp}`);
    const withKey = { deliveryKeyHash, deliveryDedupTtlMs: 60_000 };

    expect((await store.admit(admitRequest(fp, 'first', withKey))).decision).toBe('claimed');
    expect(await store.admit(admitRequest(fp, 'again', withKey))).toEqual({
      decision: 'redelivery',
      firstSignalId: 'first',
    });
    expect(await redis.hget(`${prefix}:win:${fp}`, 'count')).toBe('1');
    expect(await auditEvents(redis, prefix)).toHaveLength(0);

    // The key carries the TTL; its expiry is brought forward rather than waited for, so no short TTL has to
    // outlast the admits above on a loaded machine.
    const deliveryKey = `${prefix}:dlv:${deliveryKeyHash}`;
    const ttlMs = await redis.pttl(deliveryKey);
    expect(ttlMs).toBeGreaterThan(0);
    expect(ttlMs).toBeLessThanOrEqual(60_000);
    await redis.pexpire(deliveryKey, 1);
    const deadline = Date.now() + 5000;
    while ((await redis.exists(deliveryKey)) === 1) {
      if (Date.now() > deadline) throw new Error('delivery key never expired');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const later = await store.admit(admitRequest(fp, 'after-ttl', withKey));
    expect(later).toMatchObject({ decision: 'duplicate', count: 2 });
    expect(await redis.get(`${prefix}:dlv:${deliveryKeyHash}`)).toBe('after-ttl');
  });

  it('replays the stored decision without counting or auditing twice when a signal is admitted again', async () => {
    const prefix = newPrefix();
    const store = createRedisWindowStore(redis, { prefix });
    const fp = fingerprintFor('replay');
    const claim = await store.admit(admitRequest(fp, 'owner'));
    const duplicate = await store.admit(admitRequest(fp, 'dup'));

    expect(await store.admit(admitRequest(fp, 'dup'))).toEqual(duplicate);
    // A claim is replayed from the window it still owns, so it reports the count the window has now.
    expect(await store.admit(admitRequest(fp, 'owner'))).toEqual({ ...claim, count: 2 });
    expect(await redis.hget(`${prefix}:win:${fp}`, 'count')).toBe('2');
    expect(await auditEvents(redis, prefix)).toHaveLength(1);
    expect(await redis.pttl(`${prefix}:applied:dup`)).toBeGreaterThan(86_000_000);
  });

  it('closes the window of a terminal RR and claims seq 2 under its own name', async () => {
    const prefix = newPrefix();
    const store = createRedisWindowStore(redis, { prefix });
    const fp = fingerprintFor('terminal');
    const first = await store.admit(admitRequest(fp, 's1'));
    expect(first).toMatchObject({ decision: 'claimed', seq: 1, rr: remediationRequestName(fp, 1) });
    await store.markOpen(fp, 's1', [], T0);
    await store.admit(admitRequest(fp, 's2'));

    const next = await store.admit(admitRequest(fp, 's3', { terminalRrNames: [remediationRequestName(fp, 1)] }));
    expect(next).toEqual({
      decision: 'claimed',
      rr: remediationRequestName(fp, 2),
      namespace: 'kubernaut-system',
      seq: 2,
      count: 1,
    });
    expect(await redis.get(`${prefix}:seq:${fp}`)).toBe('2');
    // The closed window still owes its RR the count of 2, so it waits for its final write.
    expect(await redis.hget(`${prefix}:closed:${fp}:1`, 'count')).toBe('2');
    expect(await redis.zscore(`${prefix}:dedup:dirty`, `${fp}:1`)).not.toBeNull();
    expect(await store.openWindows()).toBe(1);
  });

  it('claims the next window exactly once when workers race to close a terminal one', async () => {
    const prefix = newPrefix();
    const stores = connect(4).map((c) => createRedisWindowStore(c, { prefix }));
    const fp = fingerprintFor('terminal-race');
    await stores[0]!.admit(admitRequest(fp, 'first'));
    await stores[0]!.markOpen(fp, 'first', [], T0);
    const terminalRrNames = [remediationRequestName(fp, 1)];

    const admissions = await Promise.all(
      Array.from({ length: 100 }, (_, i) => stores[i % 4]!.admit(admitRequest(fp, `s-${i}`, { terminalRrNames }))),
    );
    const claims = admissions.filter((a) => a.decision === 'claimed');
    expect(claims).toEqual([expect.objectContaining({ seq: 2, rr: remediationRequestName(fp, 2) })]);
    expect(admissions.filter((a) => a.decision === 'duplicate' && a.seq === 2)).toHaveLength(99);
    expect(await redis.hget(`${prefix}:win:${fp}`, 'count')).toBe('100');
    expect(await redis.hget(`${prefix}:closed:${fp}:1`, 'count')).toBe('1');
  });

  it('claims the seq after one that moved beyond the names the first call carried', async () => {
    const prefix = newPrefix();
    const store = createRedisWindowStore(redis, { prefix });
    const fp = fingerprintFor('seq-moved');
    await redis.set(`${prefix}:seq:${fp}`, '41');
    const claim = await store.admit(admitRequest(fp, 's1'));
    expect(claim).toMatchObject({ decision: 'claimed', seq: 42, rr: remediationRequestName(fp, 42) });
  });

  it('fills the placeholders of the duplicate audit event with valid JSON values', async () => {
    const prefix = newPrefix();
    const store = createRedisWindowStore(redis, { prefix });
    const fp = fingerprintFor('placeholders');
    await store.admit(admitRequest(fp, 'owner'));
    await store.admit(admitRequest(fp, 'dup-1'));
    await store.admit(admitRequest(fp, 'dup-2', { namespace: 'ignored-for-duplicates' }));

    const rr = remediationRequestName(fp, 1);
    expect(await auditEvents(redis, prefix)).toEqual([
      { signal: 'dup-1', rr, ref: `kubernaut-system/${rr}`, count: 2 },
      { signal: 'dup-2', rr, ref: `kubernaut-system/${rr}`, count: 3 },
    ]);
  });

  it('caps the count at the int32 maximum', async () => {
    const prefix = newPrefix();
    const store = createRedisWindowStore(redis, { prefix });
    const fp = fingerprintFor('cap');
    await store.admit(admitRequest(fp, 'owner'));
    await redis.hset(`${prefix}:win:${fp}`, 'count', '2147483646');
    expect(await store.admit(admitRequest(fp, 'a'))).toMatchObject({ count: 2147483647 });
    expect(await store.admit(admitRequest(fp, 'b'))).toMatchObject({ count: 2147483647 });
  });
});

describe('admitMany', () => {
  it('decides duplicates and redeliveries in order, and leaves a claim and everything after it on its fingerprint', async () => {
    const prefix = newPrefix();
    const store = createRedisWindowStore(redis, { prefix });
    const open = fingerprintFor('many-open');
    const fresh = fingerprintFor('many-fresh');
    await store.admit(admitRequest(open, 'owner'));
    const deliveryKeyHash = sha256Hex(`prometheus\u0000${open}`);
    const withKey = { deliveryKeyHash, deliveryDedupTtlMs: 60_000 };

    const decisions = await store.admitMany([
      admitRequest(open, 'o1', withKey),
      admitRequest(fresh, 'f1'),
      admitRequest(open, 'o2', withKey),
      admitRequest(fresh, 'f2'),
      admitRequest(open, 'o3'),
    ]);
    const rr = remediationRequestName(open, 1);
    expect(decisions).toEqual([
      { decision: 'duplicate', rr, namespace: 'kubernaut-system', seq: 1, count: 2, state: 'pending' },
      null,
      { decision: 'redelivery', firstSignalId: 'o1' },
      null,
      { decision: 'duplicate', rr, namespace: 'kubernaut-system', seq: 1, count: 3, state: 'pending' },
    ]);
    // The fresh fingerprint was left untouched for the caller to admit in order: f1 claims, f2 counts.
    expect(await redis.exists(`${prefix}:win:${fresh}`, `${prefix}:applied:f1`, `${prefix}:applied:f2`)).toBe(0);
    expect(await store.admit(admitRequest(fresh, 'f1'))).toMatchObject({ decision: 'claimed', seq: 1 });
    expect(await store.admit(admitRequest(fresh, 'f2'))).toMatchObject({ decision: 'duplicate', count: 2 });
    // Admitted again (a re-run job), every decision is replayed: nothing counted or audited twice.
    expect(await store.admitMany([admitRequest(open, 'o1', withKey), admitRequest(open, 'o3')])).toEqual([
      decisions[0],
      decisions[4],
    ]);
    expect(await redis.hget(`${prefix}:win:${open}`, 'count')).toBe('3');
    expect(await auditEvents(redis, prefix)).toHaveLength(3);
  });

  it('counts every signal exactly once when batches on 4 connections race with single admits', async () => {
    const prefix = newPrefix();
    const stores = connect(4).map((c) => createRedisWindowStore(c, { prefix }));
    const fp = fingerprintFor('many-race');
    const batches = Array.from({ length: 8 }, (_, b) =>
      Array.from({ length: 20 }, (_, i) => admitRequest(fp, `b${b}-${i}`, { receivedAtMs: T0 + b * 20 + i })),
    );
    const [batchDecisions, singles] = await Promise.all([
      Promise.all(batches.map((batch, b) => stores[b % 4]!.admitMany(batch))),
      Promise.all(Array.from({ length: 40 }, (_, i) => stores[i % 4]!.admit(admitRequest(fp, `s-${i}`)))),
    ]);
    // Signals a batch left alone are admitted one by one afterwards, as the processor does.
    const leftOver = batches.flatMap((batch, b) => batch.filter((_, i) => batchDecisions[b]?.[i] === null));
    const afterwards = await Promise.all(leftOver.map((request) => stores[0]!.admit(request)));
    const all = [...batchDecisions.flat().filter((d) => d !== null), ...singles, ...afterwards];
    expect(all).toHaveLength(200);
    expect(all.filter((a) => a?.decision === 'claimed')).toHaveLength(1);
    expect(await redis.hget(`${prefix}:win:${fp}`, 'count')).toBe('200');
    expect(await auditEvents(redis, prefix)).toHaveLength(199);
  });
});
