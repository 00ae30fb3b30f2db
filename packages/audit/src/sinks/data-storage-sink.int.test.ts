import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DataStorageStub, startDataStorageStub } from '@gateway/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../events/audit-event-types.js';
import { configReloadedEvent } from '../events/config-events.js';
import { SinkOutcome } from './audit-sink.js';
import { createDataStorageSink } from './data-storage-sink.js';

function reloaded(sequence: number): AuditEvent {
  return configReloadedEvent({
    processId: 'p',
    reloadSequence: sequence,
    component: 'auth',
    configHash: 'aa11bb22cc33',
    now: new Date(),
  });
}

describe('data storage sink', () => {
  let stub: DataStorageStub;
  let dir: string;
  beforeEach(async () => {
    stub = await startDataStorageStub();
    dir = await mkdtemp(join(tmpdir(), 'audit-token-'));
  });
  afterEach(async () => {
    await stub.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('posts the batch with the bearer token from the file and the request id', async () => {
    const tokenFile = join(dir, 'token');
    await writeFile(tokenFile, 'sa-token-1\n');
    const sink = createDataStorageSink({ baseUrl: stub.url, tokenFile });
    const result = await sink.send([reloaded(1), reloaded(2)], { requestId: 'req-42' });
    expect(result).toEqual({ outcome: SinkOutcome.accepted, status: 201 });
    expect(stub.events()).toHaveLength(2);
    expect(stub.requests()).toEqual([
      { status: 201, eventCount: 2, authorization: 'Bearer sa-token-1', requestId: 'req-42' },
    ]);
  });

  it('sends no Authorization header while the token file is absent', async () => {
    const sink = createDataStorageSink({ baseUrl: stub.url, tokenFile: join(dir, 'missing') });
    await sink.send([reloaded(1)], { requestId: 'r' });
    expect(stub.requests()[0]?.authorization).toBeUndefined();
  });

  it('returns a rejection with the problem detail on 400', async () => {
    stub.rejectWhen(() => true);
    const sink = createDataStorageSink({ baseUrl: stub.url });
    const result = await sink.send([reloaded(1)], { requestId: 'r' });
    expect(result).toEqual({
      outcome: SinkOutcome.rejected,
      status: 400,
      problemDetail: 'event 0: rejected by the test predicate',
    });
  });

  it('classifies 413 as too large and 401, 429 and 503 as retryable', async () => {
    const sink = createDataStorageSink({ baseUrl: stub.url });
    const outcomes: Record<number, string> = {};
    for (const status of [413, 401, 429, 503]) {
      stub.failWith(status, 1);
      outcomes[status] = (await sink.send([reloaded(1)], { requestId: 'r' })).outcome;
    }
    expect(outcomes).toEqual({ 413: 'too-large', 401: 'retry', 429: 'retry', 503: 'retry' });
  });

  it('returns a retryable result for a timeout and for a refused connection', async () => {
    stub.stall(1_000);
    const sink = createDataStorageSink({ baseUrl: stub.url, requestTimeoutMs: 100 });
    expect(await sink.send([reloaded(1)], { requestId: 'r' })).toMatchObject({
      outcome: SinkOutcome.retry,
      status: 'timeout',
    });
    stub.reset();
    await stub.down();
    expect(await sink.send([reloaded(1)], { requestId: 'r' })).toMatchObject({
      outcome: SinkOutcome.retry,
      status: 'network_error',
    });
  });
});
