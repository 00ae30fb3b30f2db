import { remediationRequestName, sha256Hex } from '@gateway/contracts';
import { createTestRedis, deleteKeysWithPrefix, uniquePrefix } from '@gateway/testkit';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AdmitRequest, WindowStore } from '../pipeline/window-store.js';
import { createRedisWindowStore } from './redis-window-store.js';

const FLUSH_INTERVAL_MS = 1000;
const LEASE_MS = 5000;
const T0 = 1_700_000_000_000;
const NAMESPACE = 'kubernaut-system';

let redis: Redis;
let prefix: string;
let store: WindowStore;
let fp: string;
let rr: string;

beforeAll(() => {
  redis = createTestRedis();
});
afterEach(async () => {
  await deleteKeysWithPrefix(redis, prefix);
});
afterAll(async () => {
  await redis.quit();
});

function setUp(label: string): void {
  prefix = uniquePrefix(`dedup-${label}`);
  store = createRedisWindowStore(redis, { prefix, flushLeaseMs: () => LEASE_MS });
  fp = sha256Hex(`${label}:${Math.random()}`);
  rr = remediationRequestName(fp, 1);
}

/** Signal ids are unique per fingerprint, since `applied:<signalId>` replays across fingerprints. */
function signal(name: string): string {
  return `${fp.slice(0, 12)}-${name}`;
}

function admitRequest(name: string, nowMs: number): AdmitRequest {
  return {
    fingerprint: fp,
    signalId: signal(name),
    deliveryKeyHash: null,
    deliveryDedupTtlMs: 600_000,
    receivedAtMs: nowMs,
    namespace: NAMESPACE,
    terminalRrNames: [],
    flushIntervalMs: FLUSH_INTERVAL_MS,
    nowMs,
  };
}

/** A window whose RR was created and got its initial status write (count 1) at T0. */
async function openWindowWrittenAtT0(): Promise<void> {
  await store.admit(admitRequest('owner', T0));
  await store.markOpen(fp, signal('owner'), [], T0);
  await store.recordInitialWrite(fp, 1, 1, T0, FLUSH_INTERVAL_MS);
}

async function duplicates(count: number, fromMs: number, label = 'dup'): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      store.admit(admitRequest(`${label}-${i}`, fromMs + (i % FLUSH_INTERVAL_MS))),
    ),
  );
}

const dirtyKey = () => `${prefix}:dedup:dirty`;

describe('takeDueFlushes', () => {
  it('hands out at most one write per flush interval however many duplicates arrive', async () => {
    setUp('bounded');
    await openWindowWrittenAtT0();
    expect(await redis.zcard(dirtyKey())).toBe(0);

    await duplicates(1000, T0 + 1);
    expect(await redis.zrange(dirtyKey(), 0, -1, 'WITHSCORES')).toEqual([`${fp}:1`, String(T0 + FLUSH_INTERVAL_MS)]);
    for (const nowMs of [T0 + 1, T0 + 500, T0 + 999]) expect(await store.takeDueFlushes(nowMs, 500)).toEqual([]);

    const [task, ...rest] = await store.takeDueFlushes(T0 + 1000, 500);
    expect(rest).toEqual([]);
    expect(task).toEqual({
      fingerprint: fp,
      seq: 1,
      rr,
      namespace: NAMESPACE,
      count: 1001,
      firstMs: T0,
      lastMs: T0 + 1000,
      closed: false,
    });
    // Leased while its write is in flight: neither a second flusher nor new duplicates schedule another.
    await duplicates(2, T0 + 1100, 'late');
    expect(await store.takeDueFlushes(T0 + 1100, 500)).toEqual([]);

    await store.completeFlush(task!, { result: 'ok' }, T0 + 1200, FLUSH_INTERVAL_MS);
    expect(await redis.hmget(`${prefix}:win:${fp}`, 'flushed', 'lastFlushAt')).toEqual(['1001', String(T0 + 1200)]);
    expect(await store.takeDueFlushes(T0 + 2199, 500)).toEqual([]);
    const [grown] = await store.takeDueFlushes(T0 + 2200, 500);
    expect(grown).toMatchObject({ count: 1003, lastMs: T0 + 1101 });

    await store.completeFlush(grown!, { result: 'ok' }, T0 + 2300, FLUSH_INTERVAL_MS);
    expect(await redis.zcard(dirtyKey())).toBe(0);
    expect(await store.takeDueFlushes(T0 + 10_000, 500)).toEqual([]);
  });

  it('defers a member scheduled too early to one interval after the last write', async () => {
    setUp('guard');
    await openWindowWrittenAtT0();
    await duplicates(1, T0 + 1);
    await redis.zadd(dirtyKey(), T0 + 10, `${fp}:1`);
    expect(await store.takeDueFlushes(T0 + 10, 500)).toEqual([]);
    expect(await redis.zscore(dirtyKey(), `${fp}:1`)).toBe(String(T0 + FLUSH_INTERVAL_MS));
  });

  it('skips pending windows and drops members whose window is gone', async () => {
    setUp('pending');
    await store.admit(admitRequest('owner', T0));
    await duplicates(3, T0 + 1);
    expect(await redis.zcard(dirtyKey())).toBe(0);
    await redis.zadd(dirtyKey(), T0, `${fp}:1`, T0, `${fp}:7`);
    expect(await store.takeDueFlushes(T0 + 5000, 500)).toEqual([]);
    expect(await redis.zcard(dirtyKey())).toBe(0);
  });

  it('hands a task out again when the flusher that took it never completed', async () => {
    setUp('lease');
    await openWindowWrittenAtT0();
    await duplicates(1, T0 + 1);
    const [task] = await store.takeDueFlushes(T0 + 1000, 500);
    expect(task).toMatchObject({ count: 2 });
    expect(await store.takeDueFlushes(T0 + 1000 + LEASE_MS - 1, 500)).toEqual([]);
    expect(await store.takeDueFlushes(T0 + 1000 + LEASE_MS, 500)).toEqual([task]);
  });

  it('respects the limit and leaves the rest due', async () => {
    setUp('limit');
    const fingerprints = Array.from({ length: 5 }, (_, i) => sha256Hex(`limit-${i}:${Math.random()}`));
    for (const f of fingerprints) {
      fp = f;
      await openWindowWrittenAtT0();
      await duplicates(1, T0 + 1);
    }
    expect(await store.takeDueFlushes(T0 + 1000, 3)).toHaveLength(3);
    expect(await store.takeDueFlushes(T0 + 1000, 3)).toHaveLength(2);
  });
});

describe('recordInitialWrite', () => {
  it('leaves the safety-net flush of markOpen only while the RR is behind', async () => {
    setUp('initial-write');
    await store.admit(admitRequest('owner', T0));
    await duplicates(2, T0 + 1);
    await store.markOpen(fp, signal('owner'), [], T0 + 10);
    // The owner died before its initial write: the flusher writes the count one interval later.
    const [rescue] = await store.takeDueFlushes(T0 + 10 + FLUSH_INTERVAL_MS, 500);
    expect(rescue).toMatchObject({ rr, count: 3, closed: false });
    await store.completeFlush(rescue!, { result: 'ok' }, T0 + 1100, FLUSH_INTERVAL_MS);
    expect(await redis.zcard(dirtyKey())).toBe(0);
  });

  it('withdraws the safety net after a full initial write', async () => {
    setUp('initial-write-full');
    await store.admit(admitRequest('owner', T0));
    await store.markOpen(fp, signal('owner'), [], T0);
    await store.recordInitialWrite(fp, 1, 1, T0 + 5, FLUSH_INTERVAL_MS);
    expect(await redis.zcard(dirtyKey())).toBe(0);
  });

  it('reschedules one interval out after a failed initial write', async () => {
    setUp('initial-write-failed');
    await store.admit(admitRequest('owner', T0));
    await store.markOpen(fp, signal('owner'), [], T0);
    await store.recordInitialWrite(fp, 1, 0, T0 + 5, FLUSH_INTERVAL_MS);
    expect(await redis.zscore(dirtyKey(), `${fp}:1`)).toBe(String(T0 + 5 + FLUSH_INTERVAL_MS));
  });
});

describe('completeFlush', () => {
  it('gives a closed window exactly one final write', async () => {
    setUp('final');
    await openWindowWrittenAtT0();
    await duplicates(4, T0 + 1);
    expect(await store.close(fp, rr, true, T0 + 50)).toBe(true);
    expect(await store.openWindows()).toBe(0);

    const [final] = await store.takeDueFlushes(T0 + 1000, 500);
    expect(final).toMatchObject({ rr, seq: 1, count: 5, closed: true });
    await store.completeFlush(final!, { result: 'ok' }, T0 + 1010, FLUSH_INTERVAL_MS);
    expect(await redis.exists(`${prefix}:closed:${fp}:1`)).toBe(0);
    expect(await store.takeDueFlushes(T0 + 100_000, 500)).toEqual([]);
  });

  it('writes the rest as a final write when the window closed while a flush was in flight', async () => {
    setUp('closed-in-flight');
    await openWindowWrittenAtT0();
    await duplicates(1, T0 + 1);
    const [inFlight] = await store.takeDueFlushes(T0 + 1000, 500);
    await duplicates(1, T0 + 1001, 'late');
    await store.close(fp, rr, true, T0 + 1002);
    await store.completeFlush(inFlight!, { result: 'ok' }, T0 + 1100, FLUSH_INTERVAL_MS);

    expect(await store.takeDueFlushes(T0 + 2099, 500)).toEqual([]);
    const [final] = await store.takeDueFlushes(T0 + 2100, 500);
    expect(final).toMatchObject({ count: 3, closed: true });
    await store.completeFlush(final!, { result: 'ok' }, T0 + 2110, FLUSH_INTERVAL_MS);
    expect(await redis.exists(`${prefix}:closed:${fp}:1`)).toBe(0);
    expect(await redis.zcard(dirtyKey())).toBe(0);
  });

  it('forgets the window when its RR is gone, so the next signal claims a new one', async () => {
    setUp('gone');
    await openWindowWrittenAtT0();
    await duplicates(1, T0 + 1);
    const [task] = await store.takeDueFlushes(T0 + 1000, 500);
    await store.completeFlush(task!, { result: 'gone' }, T0 + 1010, FLUSH_INTERVAL_MS);
    expect(await redis.exists(`${prefix}:win:${fp}`)).toBe(0);
    expect(await store.openWindows()).toBe(0);
    expect(await redis.zcard(dirtyKey())).toBe(0);
    expect(await store.admit(admitRequest('next', T0 + 2000))).toMatchObject({
      decision: 'claimed',
      seq: 2,
      rr: remediationRequestName(fp, 2),
    });
  });

  it('retries a failed write after the given delay', async () => {
    setUp('retry');
    await openWindowWrittenAtT0();
    await duplicates(1, T0 + 1);
    const [task] = await store.takeDueFlushes(T0 + 1000, 500);
    await store.completeFlush(task!, { result: 'retry', delayMs: 300 }, T0 + 1010, FLUSH_INTERVAL_MS);
    expect(await store.takeDueFlushes(T0 + 1309, 500)).toEqual([]);
    expect(await store.takeDueFlushes(T0 + 1310, 500)).toEqual([task]);
  });
});
