import type { Server, Socket } from 'node:net';
import { createServer } from 'node:net';
import { problemType } from '@gateway/contracts';
import { freePort, readFixture, readFixtureText, startTcpFaultProxy, testRedisUrl, waitFor } from '@gateway/testkit';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { producerRedisOptions } from '../redis/producer-redis-options.js';
import { bearer, createTestIngress, TEST_TOKENS, type TestIngress, waitingSignals } from '../testing/test-ingress.js';

/** Accepts TCP connections and never answers: the worst Redis failure, a hang rather than a refusal. */
async function startSilentServer(): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port, sockets };
}

const cleanups: (() => Promise<void> | void)[] = [];

/** Signals in Redis, whatever number of jobs holds them. */
const queuedSignalCount = async (ingress: TestIngress): Promise<number> =>
  (await waitingSignals(ingress.reader)).length;
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/**
 * Rate limits run before the enqueue and need Redis too, so with them on the 503 comes from the rate limiter;
 * with them off it comes from the job's write. Each path is proven on its own, told apart by the problem's detail.
 */
const OUTAGE_PATHS = [
  { rateLimits: true, detail: /^Rate limiter is unavailable/ },
  { rateLimits: false, detail: /^Signal queue is unavailable/ },
] as const;

function signalRequest(body: string): RequestInit {
  return {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...bearer(TEST_TOKENS.signals) },
    body,
  };
}

async function expectUnavailableWithoutEnqueue(redisPort: number, path: (typeof OUTAGE_PATHS)[number]) {
  const producer = new Redis(`redis://127.0.0.1:${redisPort}`, producerRedisOptions());
  producer.on('error', () => undefined);
  const ingress = createTestIngress({ connection: producer, config: { rateLimits: { enabled: path.rateLimits } } });
  cleanups.push(
    () => producer.disconnect(),
    () => ingress.close(),
  );

  const started = performance.now();
  const response = await ingress.app.request(
    '/api/v1/signals/prometheus',
    signalRequest(readFixtureText('alertmanager_v4_firing_multi.json')),
  );
  const elapsedMs = performance.now() - started;

  expect(response.status).toBe(503);
  expect(response.headers.get('retry-after')).toBe('10');
  const body = (await response.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ type: problemType('service-unavailable'), status: 503 });
  expect(body.detail).toMatch(path.detail);
  expect(body).not.toHaveProperty('accepted');
  expect(JSON.stringify(body)).not.toContain(String(redisPort));
  // Fast failure, not a wait for the 10 s request timeout; the enqueue gives up after 1.5 s.
  expect(elapsedMs).toBeLessThan(5_000);
  expect(await queuedSignalCount(ingress)).toBe(0);

  const ready = await ingress.app.request('/readyz');
  expect(ready.status).toBe(503);
  expect(ready.headers.get('retry-after')).not.toBeNull();
  expect(await ready.json()).toMatchObject({ configHash: 'abcdef012345', checks: { redis: 'unavailable' } });
}

describe('redis outage', () => {
  describe.each(OUTAGE_PATHS)('with rate limits enabled: $rateLimits', (path) => {
    it('answers 503 with Retry-After within 5 s and enqueues nothing when Redis refuses connections', async () => {
      await expectUnavailableWithoutEnqueue(await freePort(), path);
    });

    it('answers 503 with Retry-After within 5 s and enqueues nothing when Redis hangs', async () => {
      const silent = await startSilentServer();
      cleanups.push(
        () =>
          new Promise<void>((resolve) => {
            for (const socket of silent.sockets) socket.destroy();
            silent.server.close(() => resolve());
          }),
      );
      await expectUnavailableWithoutEnqueue(silent.port, path);
    });
  });

  it('answers 202 exactly when Redis took the delivery if the connection is cut mid-write and comes back', async () => {
    const { proxy, ingress, post, settledSignalCount } = await startProxiedIngress();
    const cut = proxy.cutWhen(writeOf('cut-here'));
    const answer = await post('cut-here');
    await cut;
    expect([202, 503]).toContain(answer.status);
    expect(await settledSignalCount()).toBe(answer.status === 202 ? 4 : 2);
    expect((await post('after-cut')).status).toBe(202);
    expect(await queuedSignalCount(ingress)).toBe(answer.status === 202 ? 6 : 4);
  });

  it('answers 503 and no job lands later when the connection is cut mid-write and Redis stays away', async () => {
    const { proxy, ingress, post, settledSignalCount } = await startProxiedIngress();
    // The reconnect finds a Redis that accepts and never answers, until after the ingress has answered.
    const cut = proxy.cutWhen(writeOf('cut-here')).then(() => proxy.setMode({ kind: 'stall' }));
    const refused = await post('cut-here');
    await cut;
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/^Signal queue is unavailable/);

    proxy.setMode({ kind: 'pass' });
    expect(await settledSignalCount()).toBe(2);
    expect((await post('after-cut')).status).toBe(202);
    expect(await queuedSignalCount(ingress)).toBe(4);
  });
});

/**
 * The job holding a delivery carries the marker in its data, so the first bytes of its EVALSHA that reach the proxy
 * are dropped with the connection: Redis never sees it.
 */
const writeOf = (marker: string) => (bytes: Buffer) =>
  bytes.includes(marker) && /evalsha/i.test(bytes.toString('latin1'));

/** An ingress whose producer reaches Redis through a fault proxy, rate limits off, with one delivery (2 signals) taken. */
async function startProxiedIngress() {
  const redisUrl = new URL(testRedisUrl());
  const proxy = await startTcpFaultProxy({ host: redisUrl.hostname, port: Number(redisUrl.port || 6379) });
  const producer = new Redis(proxy.url, producerRedisOptions());
  producer.on('error', () => undefined);
  const ingress = createTestIngress({ connection: producer, config: { rateLimits: { enabled: false } } });
  cleanups.push(
    () => proxy.close(),
    () => producer.disconnect(),
    () => ingress.close(),
  );
  const post = (marker: string) => {
    const payload = readFixture<{ alerts: { labels: Record<string, string> }[] }>('alertmanager_v4_firing_multi.json');
    for (const alert of payload.alerts) alert.labels.marker = marker;
    return ingress.app.request('/api/v1/signals/prometheus', signalRequest(JSON.stringify(payload)));
  };
  expect((await post('before-cut')).status).toBe(202);
  expect(await queuedSignalCount(ingress)).toBe(2);

  /** Signals in Redis once the producer is back: a PING answered on the new connection follows anything resent on it. */
  const settledSignalCount = async () => {
    await waitFor(async () => producer.status === 'ready' && (await producer.ping()) === 'PONG', {
      timeoutMs: 15_000,
      description: 'the producer to reconnect through the proxy',
    });
    expect(proxy.acceptedConnections()).toBeGreaterThanOrEqual(2);
    return queuedSignalCount(ingress);
  };
  return { proxy, ingress, post, settledSignalCount };
}
