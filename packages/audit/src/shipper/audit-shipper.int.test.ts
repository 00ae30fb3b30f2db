import {
  createTestRedis,
  type DataStorageStub,
  deleteKeysWithPrefix,
  startDataStorageStub,
  uniquePrefix,
  waitFor,
} from '@gateway/testkit';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../events/audit-event-types.js';
import { configReloadedEvent } from '../events/config-events.js';
import type { AuditSink, AuditSinkResult } from '../sinks/audit-sink.js';
import { SinkOutcome } from '../sinks/audit-sink.js';
import { createDataStorageSink } from '../sinks/data-storage-sink.js';
import { appendAuditEvents } from './append-audit-events.js';
import { type AuditBacklog, readAuditBacklogBytes } from './audit-backlog.js';
import { type AuditBatchResult, DeadLetterReason } from './audit-metrics.js';
import { type AuditShipper, type AuditShipperOptions, createAuditShipper } from './audit-shipper.js';
import { AUDIT_CONSUMER_GROUP, auditDeadStreamKey, auditStreamKey } from './stream-keys.js';

function reloadEvents(count: number, component = 'sources'): AuditEvent[] {
  return Array.from({ length: count }, (_, index) =>
    configReloadedEvent({
      processId: 'worker-test',
      reloadSequence: index,
      component,
      configHash: index.toString(16).padStart(12, '0'),
      now: new Date(),
    }),
  );
}

function eventIdsOf(events: readonly unknown[]): Set<string> {
  return new Set(events.map((event) => (event as AuditEvent).event_id ?? ''));
}

interface DeadLetter {
  event: string;
  reason: string;
  detail: string;
}

async function deadLetters(redis: Redis, prefix: string): Promise<DeadLetter[]> {
  const entries = await redis.xrange(auditDeadStreamKey(prefix), '-', '+');
  return entries.map(([, fields]) => {
    const record: Record<string, string> = {};
    for (let index = 0; index + 1 < fields.length; index += 2) record[fields[index]!] = fields[index + 1]!;
    return record as unknown as DeadLetter;
  });
}

describe('audit shipper', () => {
  let redis: Redis;
  let prefix: string;
  let stub: DataStorageStub;
  const shippers: AuditShipper[] = [];
  const batchResults: AuditBatchResult[] = [];
  const deadReasons: DeadLetterReason[] = [];
  const backlogs: AuditBacklog[] = [];

  const startShipper = async (overrides: Partial<AuditShipperOptions> = {}): Promise<AuditShipper> => {
    const shipper = createAuditShipper({
      redis,
      prefix,
      consumerName: `shipper-${shippers.length}`,
      sink: createDataStorageSink({ baseUrl: stub.url, requestTimeoutMs: 2_000 }),
      settings: () => ({ batchSize: 100, flushIntervalMs: 100, retry: { initialBackoffMs: 50, maxBackoffMs: 500 } }),
      backlogSampleIntervalMs: 100,
      metrics: {
        backlogObserved: (backlog) => backlogs.push(backlog),
        batchFinished: (result) => batchResults.push(result),
        eventDeadLettered: (reason) => deadReasons.push(reason),
      },
      ...overrides,
    });
    shippers.push(shipper);
    await shipper.start();
    return shipper;
  };

  beforeEach(async () => {
    redis = createTestRedis();
    prefix = uniquePrefix('audit');
    stub = await startDataStorageStub();
    batchResults.length = 0;
    deadReasons.length = 0;
    backlogs.length = 0;
  });

  afterEach(async () => {
    await Promise.all(shippers.splice(0).map((shipper) => shipper.stop()));
    await stub.close();
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  });

  it('delivers every event appended during a Data Storage outage once it is back, and drains the backlog', async () => {
    await stub.down();
    const shipper = await startShipper();
    const events = reloadEvents(500);
    for (let start = 0; start < events.length; start += 50) {
      await appendAuditEvents(redis, prefix, events.slice(start, start + 50));
    }
    // About three seconds of outage: seven retries at 50 ms doubling to 500 ms.
    await waitFor(() => batchResults.filter((result) => result === 'retry').length >= 7, {
      timeoutMs: 10_000,
      description: 'the shipper retrying against the dead endpoint',
    });
    expect(stub.events()).toHaveLength(0);
    await waitFor(() => backlogs.at(-1)?.length === 500, { description: 'the backlog gauge during the outage' });
    expect(backlogs.at(-1)?.oldestPendingAgeMs).toBeGreaterThan(0);
    expect((await shipper.backlog()).length).toBe(500);
    expect(await readAuditBacklogBytes(redis, prefix)).toBeGreaterThan(500 * 100);
    expect((await shipper.backlog()).oldestPendingAgeMs).toBeGreaterThan(0);

    await stub.up();
    await waitFor(() => eventIdsOf(stub.events()).size === 500, { timeoutMs: 15_000, description: '500 events' });
    expect(eventIdsOf(stub.events())).toEqual(eventIdsOf(events));
    expect(stub.invalid()).toEqual([]);
    await waitFor(async () => (await shipper.backlog()).length === 0, { description: 'an empty stream' });
    expect(await shipper.backlog()).toEqual({ length: 0, oldestPendingAgeMs: 0 });
    expect(await readAuditBacklogBytes(redis, `${prefix}-never-written`)).toBe(0);
    await waitFor(() => backlogs.at(-1)?.length === 0, { description: 'the backlog gauge back at zero' });
    expect(await deadLetters(redis, prefix)).toEqual([]);
  });

  it('lets a second shipper take over the batch of a shipper that died before acknowledging it', async () => {
    const doomedRedis = createTestRedis();
    let releaseFrozen: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      releaseFrozen = resolve;
    });
    const frozenBatches: number[] = [];
    // Hangs like a process that stopped mid-request; once released it only fails, so it never delivers.
    const frozenSink: AuditSink = {
      name: 'frozen',
      async send(batch): Promise<AuditSinkResult> {
        frozenBatches.push(batch.length);
        await released;
        return { outcome: SinkOutcome.retry, status: 'network_error' };
      },
    };
    const events = reloadEvents(50);
    await appendAuditEvents(redis, prefix, events);
    await startShipper({ redis: doomedRedis, sink: frozenSink, claimIdleMs: 300, consumerName: 'doomed' });
    await waitFor(() => frozenBatches[0] === 50, { description: 'the doomed shipper holding the batch' });
    // The process dies mid-batch: its connection goes away without an acknowledgement.
    doomedRedis.disconnect();

    await startShipper({ claimIdleMs: 300, consumerName: 'survivor' });
    await waitFor(() => eventIdsOf(stub.events()).size === 50, { description: 'the taken-over batch delivered' });
    expect(eventIdsOf(stub.events())).toEqual(eventIdsOf(events));
    await waitFor(async () => (await redis.xlen(auditStreamKey(prefix))) === 0, { description: 'an empty stream' });
    const [pendingCount] = (await redis.xpending(auditStreamKey(prefix), AUDIT_CONSUMER_GROUP)) as [number];
    expect(pendingCount).toBe(0);
    releaseFrozen();
  });

  it('delivers the rest of a batch and dead-letters the one event Data Storage rejects', async () => {
    const events = reloadEvents(10);
    const rejectedId = events[6]!.event_id;
    stub.rejectWhen((event) => (event as AuditEvent).event_id === rejectedId);
    await appendAuditEvents(redis, prefix, events);
    await startShipper();

    await waitFor(async () => (await deadLetters(redis, prefix)).length === 1, { description: 'one dead letter' });
    await waitFor(() => stub.events().length === 9, { description: 'the nine valid events' });
    expect(eventIdsOf(stub.events())).toEqual(eventIdsOf(events.filter((event) => event.event_id !== rejectedId)));
    const [dead] = await deadLetters(redis, prefix);
    expect(JSON.parse(dead!.event).event_id).toBe(rejectedId);
    expect(dead).toMatchObject({
      reason: 'rejected',
      detail: expect.stringContaining('rejected by the test predicate'),
    });
    expect(deadReasons).toEqual([DeadLetterReason.rejected]);
    expect(batchResults).toContain('split');
    await waitFor(async () => (await redis.xlen(auditStreamKey(prefix))) === 0, { description: 'an empty stream' });
  });

  it('dead-letters an event that breaks the schema before it is sent, with the reason', async () => {
    const [good] = reloadEvents(1);
    await redis.xadd(auditStreamKey(prefix), '*', 'event', JSON.stringify({ ...good, event_outcome: 'maybe' }));
    await redis.xadd(auditStreamKey(prefix), '*', 'event', 'not json');
    await appendAuditEvents(redis, prefix, [good!]);
    await startShipper();

    await waitFor(() => stub.events().length === 1, { description: 'the valid event' });
    await waitFor(async () => (await deadLetters(redis, prefix)).length === 2, { description: 'two dead letters' });
    const dead = await deadLetters(redis, prefix);
    expect(dead.map((letter) => letter.reason)).toEqual(['invalid', 'invalid']);
    expect(dead[0]!.detail).toContain('event_outcome');
    expect(dead[1]!.detail).toBe('event is not JSON');
    expect(stub.requests().every((request) => request.status === 201)).toBe(true);
  });

  it('splits a batch Data Storage finds too large until the pieces fit', async () => {
    await stub.close();
    stub = await startDataStorageStub({ maxBodyBytes: 2_000 });
    const events = reloadEvents(12);
    await appendAuditEvents(redis, prefix, events);
    await startShipper();

    await waitFor(() => eventIdsOf(stub.events()).size === 12, { description: 'all events in small batches' });
    expect(stub.requests().some((request) => request.status === 413)).toBe(true);
    expect(deadReasons).toEqual([]);
  });

  it('keeps retrying through answers that say "later" (503, 429) and then delivers', async () => {
    stub.failWith(503, 2);
    const events = reloadEvents(5);
    await appendAuditEvents(redis, prefix, events);
    await startShipper();
    await waitFor(() => stub.events().length === 5, { description: 'delivery after the faults' });
    stub.failWith(429, 1);
    await appendAuditEvents(redis, prefix, reloadEvents(3, 'auth'));
    await waitFor(() => stub.events().length === 8, { description: 'delivery after throttling' });
    expect(batchResults.filter((result) => result === 'retry')).toHaveLength(3);
    expect(deadReasons).toEqual([]);
  });

  it('reads its batch size again for every batch, so a reload applies from the next batch', async () => {
    let settings = { batchSize: 4, flushIntervalMs: 100, retry: { initialBackoffMs: 50, maxBackoffMs: 500 } };
    let reads = 0;
    await appendAuditEvents(redis, prefix, reloadEvents(10));
    await startShipper({
      settings: () => {
        reads += 1;
        return settings;
      },
    });
    await waitFor(() => stub.events().length === 10, { description: 'the first ten events' });

    settings = { ...settings, batchSize: 10 };
    // A read already waiting for new entries holds the old size: append once a batch has started on the new one.
    const readsBefore = reads;
    await waitFor(() => reads > readsBefore, { description: 'a batch started after the change' });
    await appendAuditEvents(redis, prefix, reloadEvents(10, 'auth'));
    await waitFor(() => stub.events().length === 20, { description: 'the next ten events' });
    expect(stub.requests().map((request) => request.eventCount)).toEqual([4, 4, 2, 10]);
  });
});
