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
