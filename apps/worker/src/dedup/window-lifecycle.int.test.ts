import { remediationRequestName, sha256Hex } from '@gateway/contracts';
import { createTestRedis, deleteKeysWithPrefix, uniquePrefix } from '@gateway/testkit';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AdmitRequest, AUDIT_PLACEHOLDER, type WindowStore } from '../pipeline/window-store.js';
import { createRedisWindowStore } from './redis-window-store.js';

const FLUSH_INTERVAL_MS = 1000;
const T0 = 1_700_000_000_000;
const NAMESPACE = 'kubernaut-system';

let redis: Redis;
let prefix: string;
let store: WindowStore;
let fp: string;

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
  store = createRedisWindowStore(redis, { prefix });
  fp = sha256Hex(`${label}:${Math.random()}`);
}

function admitRequest(signalId: string, overrides: Partial<AdmitRequest> = {}): AdmitRequest {
  return {
    fingerprint: fp,
    signalId,
    deliveryKeyHash: null,
    deliveryDedupTtlMs: 600_000,
    receivedAtMs: T0,
    namespace: NAMESPACE,
    terminalRrNames: [],
    flushIntervalMs: FLUSH_INTERVAL_MS,
    nowMs: T0,
    ...overrides,
  };
}

function event(type: string): string {
  return `{"type":"${type}","rr":${AUDIT_PLACEHOLDER.rrName},"ref":${AUDIT_PLACEHOLDER.rrRef},"count":${AUDIT_PLACEHOLDER.count}}`;
}

async function auditEvents(): Promise<unknown[]> {
  const entries = await redis.xrange(`${prefix}:audit`, '-', '+');
  return entries.map(([, fields]) => JSON.parse(fields[1] ?? 'null'));
}

describe('markOpen', () => {
  it('opens the pending window once and appends its events once when replayed', async () => {
    setUp('mark-open');
    await store.admit(admitRequest('owner', { receivedAtMs: T0 + 5 }));
    await store.admit(admitRequest('dup', { receivedAtMs: T0 + 9 }));
    const rr = remediationRequestName(fp, 1);

    const events = [event('crd.created'), event('signal.received')];
    expect(await store.markOpen(fp, 'owner', events, T0 + 10)).toEqual({
      rr,
      namespace: NAMESPACE,
      seq: 1,
      count: 2,
      firstMs: T0 + 5,
      lastMs: T0 + 9,
    });
    expect(await store.markOpen(fp, 'owner', events, T0 + 11)).toBeNull();
    expect(await store.markOpen(fp, 'someone-else', events, T0 + 11)).toBeNull();
    expect(await redis.hget(`${prefix}:win:${fp}`, 'state')).toBe('open');
    expect(await auditEvents()).toEqual([
      { type: 'crd.created', rr, ref: `${NAMESPACE}/${rr}`, count: 2 },
      { type: 'signal.received', rr, ref: `${NAMESPACE}/${rr}`, count: 2 },
    ]);
  });
});

describe('advanceSeq', () => {
  it('moves the pending window above minSeq and returns the same name when replayed', async () => {
    setUp('advance');
    await store.admit(admitRequest('owner'));
    const moved = await store.advanceSeq(fp, 'owner', 7);
    expect(moved).toEqual({ rr: remediationRequestName(fp, 8), seq: 8 });
    expect(await store.advanceSeq(fp, 'owner', 7)).toEqual(moved);
    expect(await store.advanceSeq(fp, 'other', 8)).toBeNull();
    expect(await redis.get(`${prefix}:seq:${fp}`)).toBe('8');
    expect(await redis.hmget(`${prefix}:win:${fp}`, 'rr', 'seq')).toEqual([remediationRequestName(fp, 8), '8']);
    // The replayed claim now names the moved window.
    expect(await store.admit(admitRequest('owner'))).toMatchObject({ decision: 'claimed', seq: 8, rr: moved?.rr });
  });

  it('moves above seq:<fp> when it is ahead of minSeq', async () => {
    setUp('advance-ahead');
    await store.admit(admitRequest('owner'));
    await redis.set(`${prefix}:seq:${fp}`, '20');
    expect(await store.advanceSeq(fp, 'owner', 1)).toEqual({ rr: remediationRequestName(fp, 21), seq: 21 });
  });
});

describe('adopt', () => {
  it('merges the counts into the existing RR after Redis lost the window, once', async () => {
    setUp('adopt');
    await store.admit(admitRequest('s1'));
    await store.markOpen(fp, 's1', [], T0);
    await store.admit(admitRequest('s2'));
    // Redis loses everything about the fingerprint while its RR (seq 1, count 5 written) lives on.
    await redis.del(`${prefix}:win:${fp}`, `${prefix}:seq:${fp}`);
    await redis.srem(`${prefix}:win:index`, fp);
    await redis.del(`${prefix}:dedup:dirty`);

    const reclaim = await store.admit(admitRequest('s3', { receivedAtMs: T0 + 100 }));
    expect(reclaim).toMatchObject({ decision: 'claimed', seq: 1, count: 1 });
    await store.admit(admitRequest('s4', { receivedAtMs: T0 + 200 }));

    const rr = remediationRequestName(fp, 1);
    const request = {
      fingerprint: fp,
      signalId: 's3',
      rr,
      namespace: NAMESPACE,
      seq: 3,
      existingCount: 5,
      existingFirstSeenMs: T0 - 1000,
      auditEvents: [event('signal.deduplicated')],
      nowMs: T0 + 300,
      flushIntervalMs: FLUSH_INTERVAL_MS,
    };
    const adopted = await store.adopt(request);
    expect(adopted).toEqual({ rr, namespace: NAMESPACE, seq: 3, count: 7, firstMs: T0 - 1000, lastMs: T0 + 200 });
    expect(await store.adopt(request)).toBeNull();
    expect(await auditEvents()).toEqual([{ type: 'signal.deduplicated', rr, ref: `${NAMESPACE}/${rr}`, count: 7 }]);
    expect(await redis.get(`${prefix}:seq:${fp}`)).toBe('3');
    expect(await redis.hget(`${prefix}:win:${fp}`, 'state')).toBe('open');
    expect(await redis.zscore(`${prefix}:dedup:dirty`, `${fp}:3`)).toBe(String(T0 + 300));
    // Later duplicates count on the adopted window.
    expect(await store.admit(admitRequest('s5'))).toMatchObject({ decision: 'duplicate', rr, seq: 3, count: 8 });
  });
});

describe('release', () => {
  it('deletes the pending window with its audit event, once', async () => {
    setUp('release');
    await store.admit(admitRequest('owner'));
    await store.admit(admitRequest('dup'));
    expect(await store.openWindows()).toBe(1);

    await store.release(fp, 'owner', [event('crd.failed')]);
    await store.release(fp, 'owner', [event('crd.failed')]);
    expect(await redis.exists(`${prefix}:win:${fp}`)).toBe(0);
    expect(await store.openWindows()).toBe(0);
    const rr = remediationRequestName(fp, 1);
    expect(await auditEvents()).toEqual([{ type: 'crd.failed', rr, ref: `${NAMESPACE}/${rr}`, count: 2 }]);
    expect(await store.admit(admitRequest('next'))).toMatchObject({ decision: 'claimed', seq: 2 });
  });

  it('leaves a window alone that another signal owns', async () => {
    setUp('release-other');
    await store.admit(admitRequest('owner'));
    await store.release(fp, 'intruder', [event('crd.failed')]);
    expect(await redis.exists(`${prefix}:win:${fp}`)).toBe(1);
    expect(await auditEvents()).toEqual([]);
  });
});

describe('close', () => {
  it('closes only the window that points at the RR, and only once', async () => {
    setUp('close');
    await store.admit(admitRequest('owner'));
    await store.markOpen(fp, 'owner', [], T0);
    await store.recordInitialWrite(fp, 1, 1, T0, FLUSH_INTERVAL_MS);

    expect(await store.close(fp, remediationRequestName(fp, 9), true, T0)).toBe(false);
    expect(await store.close(fp, remediationRequestName(fp, 1), true, T0)).toBe(true);
    expect(await store.close(fp, remediationRequestName(fp, 1), true, T0)).toBe(false);
    expect(await store.openWindows()).toBe(0);
    // Nothing was owed to the RR, so no closed record and no final write.
    expect(await redis.exists(`${prefix}:win:${fp}`, `${prefix}:closed:${fp}:1`)).toBe(0);
    expect(await redis.zcard(`${prefix}:dedup:dirty`)).toBe(0);
  });

  it('keeps no final write for a deleted RR even when counts are unwritten', async () => {
    setUp('close-deleted');
    await store.admit(admitRequest('owner'));
    await store.markOpen(fp, 'owner', [], T0);
    await store.admit(admitRequest('dup'));
    expect(await store.close(fp, remediationRequestName(fp, 1), false, T0)).toBe(true);
    expect(await redis.exists(`${prefix}:closed:${fp}:1`)).toBe(0);
    expect(await redis.zcard(`${prefix}:dedup:dirty`)).toBe(0);
  });
});

describe('admitResolved', () => {
  it('names the window RR when there is one, never counts, and replays without a second event', async () => {
    setUp('resolved');
    const resolved = (signalId: string) => ({
      fingerprint: fp,
      signalId,
      deliveryKeyHash: null,
      deliveryDedupTtlMs: 600_000,
      auditWithOpenRr: event('resolved-open'),
      auditWithoutRr: '{"type":"resolved-none"}',
    });
    expect(await store.admitResolved(resolved('r1'))).toEqual({ decision: 'resolved', rr: null });
    await store.admit(admitRequest('owner'));
    const rr = remediationRequestName(fp, 1);
    expect(await store.admitResolved(resolved('r2'))).toEqual({ decision: 'resolved', rr });
    expect(await store.admitResolved(resolved('r2'))).toEqual({ decision: 'resolved', rr });
    expect(await redis.hget(`${prefix}:win:${fp}`, 'count')).toBe('1');
    expect(await auditEvents()).toEqual([
      { type: 'resolved-none' },
      { type: 'resolved-open', rr, ref: `${NAMESPACE}/${rr}`, count: 1 },
    ]);
  });

  it('reports a redelivery of a resolved item without auditing it', async () => {
    setUp('resolved-redelivery');
    const resolved = (signalId: string) => ({
      fingerprint: fp,
      signalId,
      deliveryKeyHash: sha256Hex('am\u0000resolved-item'),
      deliveryDedupTtlMs: 600_000,
      auditWithOpenRr: event('resolved-open'),
      auditWithoutRr: '{"type":"resolved-none"}',
    });
    await store.admitResolved(resolved('r1'));
    expect(await store.admitResolved(resolved('r2'))).toEqual({ decision: 'redelivery', firstSignalId: 'r1' });
    expect(await auditEvents()).toHaveLength(1);
  });
});

describe('appendAudit', () => {
  it('appends every event verbatim, in order', async () => {
    setUp('append');
    await store.appendAudit(['{"n":1}', '{"n":2}']);
    await store.appendAudit([]);
    expect(await auditEvents()).toEqual([{ n: 1 }, { n: 2 }]);
  });
});
