import type { Server, Socket } from 'node:net';
import { createServer } from 'node:net';
import { problemType } from '@gateway/contracts';
import { freePort, readFixtureText } from '@gateway/testkit';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { producerRedisOptions } from '../redis/producer-redis-options.js';
import { bearer, createTestIngress, TEST_TOKENS } from '../testing/test-ingress.js';

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
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function expectUnavailableWithoutEnqueue(redisPort: number) {
  const producer = new Redis(`redis://127.0.0.1:${redisPort}`, producerRedisOptions());
  producer.on('error', () => undefined);
  const ingress = createTestIngress({ connection: producer });
  cleanups.push(
    () => producer.disconnect(),
    () => ingress.close(),
  );

  const started = performance.now();
  const response = await ingress.app.request('/api/v1/signals/prometheus', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...bearer(TEST_TOKENS.signals) },
    body: readFixtureText('alertmanager_v4_firing_multi.json'),
  });
  const elapsedMs = performance.now() - started;

  expect(response.status).toBe(503);
  expect(response.headers.get('retry-after')).toBe('10');
  const body = (await response.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ type: problemType('service-unavailable'), status: 503 });
  expect(body).not.toHaveProperty('accepted');
  expect(JSON.stringify(body)).not.toContain(String(redisPort));
  expect(elapsedMs).toBeLessThan(2_000);
  expect(await ingress.reader.count()).toBe(0);

  const ready = await ingress.app.request('/readyz');
  expect(ready.status).toBe(503);
  expect(ready.headers.get('retry-after')).not.toBeNull();
  expect(await ready.json()).toMatchObject({ configHash: 'abcdef012345', checks: { redis: 'unavailable' } });
}

describe('redis outage', () => {
  it('answers 503 with Retry-After within 2 s and enqueues nothing when Redis refuses connections', async () => {
    await expectUnavailableWithoutEnqueue(await freePort());
  });

  it('answers 503 with Retry-After within 2 s and enqueues nothing when Redis hangs', async () => {
    const silent = await startSilentServer();
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of silent.sockets) socket.destroy();
          silent.server.close(() => resolve());
        }),
    );
    await expectUnavailableWithoutEnqueue(silent.port);
  });
});
