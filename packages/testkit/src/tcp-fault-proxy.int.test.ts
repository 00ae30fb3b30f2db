import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestRedis, deleteKeysWithPrefix, testRedisUrl, uniquePrefix } from './redis-fixture.js';
import { waitFor } from './stack/wait-for.js';
import { startTcpFaultProxy, type TcpFaultProxy } from './tcp-fault-proxy.js';

/** Echoes every byte and remembers what reached it, so a test can tell what the proxy let through. */
async function startEchoServer(): Promise<{ server: Server; port: number; received: () => string }> {
  let received = '';
  const server = createServer((socket) => {
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString();
      socket.write(chunk);
    });
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port, received: () => received };
}

interface Client {
  socket: Socket;
  echoed: () => string;
  closed: Promise<unknown>;
}

async function openClient(proxy: TcpFaultProxy): Promise<Client> {
  const socket = connect(proxy.port, proxy.host);
  socket.on('error', () => undefined);
  let echoed = '';
  socket.on('data', (chunk: Buffer) => {
    echoed += chunk.toString();
  });
  const closed = once(socket, 'close');
  await once(socket, 'connect');
  return { socket, echoed: () => echoed, closed };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp() {
  const echo = await startEchoServer();
  const proxy = await startTcpFaultProxy({ host: '127.0.0.1', port: echo.port });
  cleanups.push(
    () => new Promise<void>((resolve) => echo.server.close(() => resolve())),
    () => proxy.close(),
  );
  return { echo, proxy };
}

describe('tcp fault proxy', () => {
  it('forwards bytes both ways when passing', async () => {
    const { echo, proxy } = await setUp();
    const client = await openClient(proxy);
    client.socket.write('hello');
    await waitFor(() => client.echoed() === 'hello', { description: 'the echo' });
    expect(echo.received()).toBe('hello');
    expect(proxy.openConnections()).toBe(1);
    client.socket.destroy();
  });

  it('destroys open and new connections when cutting, and serves again when passing', async () => {
    const { proxy } = await setUp();
    const open = await openClient(proxy);
    proxy.setMode({ kind: 'cut' });
    await open.closed;
    const refused = connect(proxy.port, proxy.host);
    refused.on('error', () => undefined);
    await once(refused, 'close');
    expect(proxy.openConnections()).toBe(0);

    proxy.setMode({ kind: 'pass' });
    const again = await openClient(proxy);
    again.socket.write('back');
    await waitFor(() => again.echoed() === 'back', { description: 'the echo after the cut' });
    expect(proxy.acceptedConnections()).toBe(3);
    again.socket.destroy();
  });

  it('holds bytes while stalled and delivers them in order once passing', async () => {
    const { echo, proxy } = await setUp();
    const client = await openClient(proxy);
    proxy.setMode({ kind: 'stall' });
    client.socket.write('one,');
    client.socket.write('two');
    // Only a lower bound: a loaded machine can make this wait longer, never make held bytes arrive.
    await sleep(200);
    expect(echo.received()).toBe('');
    expect(client.echoed()).toBe('');

    proxy.setMode({ kind: 'pass' });
    await waitFor(() => client.echoed() === 'one,two', { description: 'the held bytes' });
    expect(echo.received()).toBe('one,two');
    client.socket.destroy();
  });

  it('delays each direction by the configured time', async () => {
    const { proxy } = await setUp();
    const client = await openClient(proxy);
    proxy.setMode({ kind: 'delay', ms: 150 });
    const started = Date.now();
    client.socket.write('slow');
    await waitFor(() => client.echoed() === 'slow', { description: 'the delayed echo' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300 - 2);
    client.socket.destroy();
  });

  it('drops the matching chunk and cuts its connection when the predicate matches', async () => {
    const { echo, proxy } = await setUp();
    const client = await openClient(proxy);
    client.socket.write('first');
    await waitFor(() => client.echoed() === 'first', { description: 'the first echo' });

    const cut = proxy.cutWhen((bytes) => bytes.includes('poison'));
    client.socket.write('poison');
    await cut;
    await client.closed;
    expect(echo.received()).toBe('first');
    expect(proxy.openConnections()).toBe(0);
  });

  // ioredis' default (autoResendUnfulfilledCommands) sends a command again after a reconnect, so a write that a
  // cut kept from Redis still lands later: the reason the ingress producer switches it off.
  it('lets a Redis client reconnect after a cut, which by default resends the command Redis never saw', async () => {
    const prefix = uniquePrefix('fault-proxy');
    const url = new URL(testRedisUrl());
    const proxy = await startTcpFaultProxy({ host: url.hostname, port: Number(url.port || 6379) });
    const direct = createTestRedis();
    const viaProxy = new Redis(proxy.url, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
    viaProxy.on('error', () => undefined);
    cleanups.push(
      () => proxy.close(),
      async () => {
        viaProxy.disconnect();
        await deleteKeysWithPrefix(direct, prefix);
        direct.disconnect();
      },
    );
    await viaProxy.set(`${prefix}:before`, '1');

    const cut = proxy.cutWhen((bytes) => bytes.includes(`${prefix}:during`));
    const during = viaProxy.set(`${prefix}:during`, '1');
    await cut;
    expect(await during).toBe('OK');
    expect(proxy.acceptedConnections()).toBe(2);
    expect(await direct.mget(`${prefix}:before`, `${prefix}:during`)).toEqual(['1', '1']);
  });
});
