import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * A TCP port that was free a moment ago on `host`: the OS picks it for a listener on port 0, which is closed
 * again before the port is handed out. Another process could take it in between; children started on it fail
 * their readiness check loudly rather than silently sharing a port.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close((err) => (err ? reject(err) : port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** The first port the OS hands out on its own (for port-0 listeners and outgoing connections). */
function ephemeralPortsFrom(): number {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > 0 ? first : 32_768;
  } catch {
    return 32_768;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * A free port for a process that is stopped and started again on it. A port from `freePort` is in the OS's
 * ephemeral range, so while the process is down the OS may hand it to any other listener or connection of a
 * parallel test, and the restart fails with EADDRINUSE. This one is picked at random below that range, where only
 * another explicit pick could land.
 */
export async function restartablePort(): Promise<number> {
  const below = ephemeralPortsFrom();
  const low = Math.max(10_000, below - 12_000);
  if (below - low < 1000) return freePort('0.0.0.0');
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = low + Math.floor(Math.random() * (below - low));
    if (await canListen(port)) return port;
  }
  return freePort('0.0.0.0');
}
