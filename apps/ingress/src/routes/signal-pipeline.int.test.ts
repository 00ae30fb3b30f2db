import type { SignalDraft } from '@gateway/contracts';
import { problemType } from '@gateway/contracts';
import { defineSource } from '@gateway/sources';
import { waitFor } from '@gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestIngress } from '../testing/test-ingress.js';
import {
  bearer,
  clusteredSource,
  createTestIngress,
  pluginDraft,
  TEST_TOKENS,
  waitingSignals,
} from '../testing/test-ingress.js';

/** Holds `parse` until the test releases it, to keep a request in flight on purpose. */
function createGate() {
  let open: () => void = () => undefined;
  let entered = 0;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    open,
    entered: () => entered,
    async pass() {
      entered++;
      await opened;
    },
  };
}

const gate = createGate();

const draft = (index: number, overrides: Partial<SignalDraft> = {}) => pluginDraft(index, 'gated', overrides);

const extraSources = [
  {
    name: 'gated',
    definition: defineSource({
      apiVersion: 1,
      type: 'gated',
      signalSource: 'gated',
      async parse() {
        await gate.pass();
        return { signals: [draft(0)], ignored: [], rejected: [] };
      },
    }),
  },
  {
    name: 'signed',
    authMode: 'signature' as const,
    definition: defineSource({
      apiVersion: 1,
      type: 'signed',
      signalSource: 'signed',
      async verify(req) {
        return req.headers['x-test-signature'] === 'valid'
          ? { ok: true as const, principal: { type: 'signature' as const, id: 'signer' } }
          : { ok: false as const, status: 401 as const, detail: 'X-Test-Signature does not match; sign the raw body' };
      },
      async handshake(req) {
        const body = req.json as { handshake?: boolean };
        return body.handshake ? { status: 200, body: { status: 'confirmed' } } : undefined;
      },
      parse: async () => ({
        signals: [draft(0, { source: 'signed', signalSource: 'signed' })],
        ignored: [],
        rejected: [],
      }),
    }),
  },
  clusteredSource(['prod-east', '', 'Not_Valid']),
];

let ingress: TestIngress;
beforeAll(() => {
  ingress = createTestIngress({
    extraSources,
    config: { multiCluster: { enabled: true, defaultClusterId: 'hub' } },
    settings: {
      server: {
        bodyLimitBytes: 262_144,
        trustedProxies: [],
        maxInFlightRequests: 1,
        maxEventLoopDelayMs: 60_000,
        requestTimeoutMs: 300,
      },
    },
  });
});
afterAll(async () => {
  gate.open();
  await ingress.close();
});

const post = (path: string, body: string, headers: Record<string, string> = bearer(TEST_TOKENS.signals)) =>
  ingress.app.request(path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });

describe('signal pipeline', () => {
  it('answers 503 with Retry-After 1 over the in-flight limit and 503 when a request outlives requestTimeout', async () => {
    const slow = post('/api/v1/signals/gated', '{}');
    await waitFor(() => gate.entered() === 1, { timeoutMs: 2_000, description: 'first request inside parse' });

    const refused = await post('/api/v1/signals/gated', '{}');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({ type: problemType('service-unavailable') });

    const timedOut = await slow;
    expect(timedOut.status).toBe(503);
    expect(timedOut.headers.get('retry-after')).not.toBeNull();
    // The slot stays taken until the pipeline really ends; releasing it lets the next request through.
    gate.open();
    await waitFor(async () => (await ingress.metrics.httpRequestsInFlight.get()).values[0]?.value === 0, {
      timeoutMs: 2_000,
      description: 'in-flight slot released',
    });
    expect((await post('/api/v1/signals/gated', '{}')).status).toBe(202);
  });

  it('frees the in-flight slot when requestTimeout cuts off a body that never ends', async () => {
    // A sender that opens a body and never finishes it: without abandoning the read at the timeout answer, its slot
    // (the only one here) would stay taken until Node's own request timeout.
    const endless = new ReadableStream<Uint8Array>({
      start: (controller) => controller.enqueue(new TextEncoder().encode('{"alerts": [')),
    });
    const stalled = await ingress.app.request('/api/v1/signals/gated', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...bearer(TEST_TOKENS.signals) },
      body: endless,
      duplex: 'half',
    } as RequestInit);
    expect(stalled.status).toBe(503);
    await waitFor(async () => (await ingress.metrics.httpRequestsInFlight.get()).values[0]?.value === 0, {
      timeoutMs: 2_000,
      description: 'in-flight slot released',
    });
    expect((await post('/api/v1/signals/gated', '{}')).status).toBe(202);
  });

  it('verifies source signatures and names the signer as principal', async () => {
    const bad = await post('/api/v1/signals/signed', '{}', { 'X-Test-Signature': 'forged' });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({
      type: problemType('signature-invalid'),
      detail: expect.stringContaining('sign'),
    });

    const good = await post('/api/v1/signals/signed', '{}', { 'X-Test-Signature': 'valid' });
    expect(good.status).toBe(202);
    const { requestId } = (await good.json()) as { requestId: string };
    const [queued] = (await waitingSignals(ingress.reader)).filter(({ signal }) => signal.requestId === requestId);
    expect(queued?.signal.principal).toEqual({ type: 'signature', id: 'signer' });
  });

  it('answers a source handshake itself, with the request id and nothing enqueued', async () => {
    const before = await ingress.reader.count();
    const response = await post('/api/v1/signals/signed', '{"handshake":true}', { 'X-Test-Signature': 'valid' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'confirmed', requestId: response.headers.get('x-request-id') });
    expect(await ingress.reader.count()).toBe(before);
  });

  it('takes the cluster id from the source, falls back to the default and rejects invalid ids per item', async () => {
    const response = await post('/api/v1/signals/clustered', '{}');
    expect(response.status).toBe(202);
    const body = (await response.json()) as { accepted: number; requestId: string; rejected: { index: number }[] };
    expect(body.accepted).toBe(2);
    expect(body.rejected.map((item) => item.index)).toEqual([2]);
    const queued = (await waitingSignals(ingress.reader)).filter(({ signal }) => signal.requestId === body.requestId);
    expect(queued.map(({ signal }) => signal.clusterId).sort()).toEqual(['hub', 'prod-east']);
  });
});
