import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { restartablePort } from './free-port.js';

describe('free-port', () => {
  it('gives restartable ports below the range the OS hands out by itself, free to listen on', async () => {
    const ephemeralFrom = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    for (let i = 0; i < 5; i++) {
      const port = await restartablePort();
      expect(port).toBeLessThan(ephemeralFrom);
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port, host: '0.0.0.0', exclusive: true }, resolve);
      });
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
