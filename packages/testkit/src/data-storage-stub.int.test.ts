import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUDIT_BATCH_PATH, type DataStorageStub, startDataStorageStub } from './data-storage-stub.js';

function gatewayEvent(overrides: Record<string, unknown> = {}, eventData: Record<string, unknown> = {}) {
  return {
    event_id: '6f1c2a44-6f0e-5b52-9d43-2b8f1e1f0a11',
    version: '1.0',
    event_type: 'gateway.signal.received',
    event_timestamp: '2025-01-02T03:04:05.678Z',
    event_category: 'gateway',
    event_action: 'received',
    event_outcome: 'success',
    correlation_id: 'rr-c35a9758b42c-1',
    namespace: null,
    event_data: {
      event_type: 'gateway.signal.received',
      signal_type: 'alert',
      signal_name: 'HighMemoryUsage',
      namespace: '',
      fingerprint: 'c35a9758b42c',
      ...eventData,
    },
    ...overrides,
  };
}

async function post(stub: DataStorageStub, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${stub.url}${AUDIT_BATCH_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('data storage stub', () => {
  let stub: DataStorageStub;
  beforeEach(async () => {
    stub = await startDataStorageStub();
  });
  afterEach(async () => {
    await stub.close();
  });

  it('stores a valid batch and answers 201 with the event ids', async () => {
    const event = gatewayEvent();
    const answer = await post(stub, [event]);
    expect(answer).toMatchObject({ status: 201, body: { event_ids: [event.event_id] } });
    expect(stub.events()).toEqual([event]);
  });

  it('refuses the whole batch with a problem naming the invalid event and its field', async () => {
    const answer = await post(stub, [gatewayEvent(), gatewayEvent({ event_outcome: 'maybe' })]);
    expect(answer.status).toBe(400);
    expect(answer.body.detail).toMatch(/^event 1: .*event_outcome/);
    expect(stub.events()).toEqual([]);
    expect(stub.invalid()).toMatchObject([{ index: 1 }]);
  });

  it('checks event_data against the payload schema its event type maps to', async () => {
    const missingFingerprint = gatewayEvent({}, { fingerprint: undefined });
    expect((await post(stub, [JSON.parse(JSON.stringify(missingFingerprint))])).body.detail).toContain('fingerprint');
    const wrongDedupStatus = gatewayEvent({}, { deduplication_status: 'maybe' });
    expect((await post(stub, [wrongDedupStatus])).status).toBe(400);
    const unmapped = gatewayEvent({ event_type: 'gateway.unknown' });
    expect((await post(stub, [unmapped])).body.detail).toContain('has no payload schema');
    const config = gatewayEvent({
      event_type: 'gateway.config.rejected',
      event_data: { event_type: 'gateway.config.rejected', component: 'auth' },
    });
    expect((await post(stub, [config])).body.detail).toContain('rejection_reason');
  });

  it('refuses connections while down and serves the same url once up again', async () => {
    await stub.down();
    await expect(post(stub, [gatewayEvent()])).rejects.toThrow();
    await stub.up();
    expect((await post(stub, [gatewayEvent()])).status).toBe(201);
  });

  it('answers injected faults for the given number of batches, then recovers', async () => {
    stub.failWith(503, 2);
    expect((await post(stub, [gatewayEvent()])).status).toBe(503);
    expect((await post(stub, [gatewayEvent()])).status).toBe(503);
    expect((await post(stub, [gatewayEvent()])).status).toBe(201);
    expect(stub.events()).toHaveLength(1);
  });

  it('rejects events matching the test predicate and delays answers while stalled', async () => {
    stub.rejectWhen((event) => (event as { correlation_id: string }).correlation_id === 'bad');
    expect((await post(stub, [gatewayEvent({ correlation_id: 'bad' })])).status).toBe(400);
    stub.rejectWhen(undefined);
    stub.stall(200);
    const startedAt = performance.now();
    expect((await post(stub, [gatewayEvent()])).status).toBe(201);
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(190);
  });
});
