import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from './free-port.js';
import { baseChildEnv, type ManagedProcess, startManagedProcess } from './managed-process.js';
import { waitFor } from './wait-for.js';

// A tiny child: serves /readyz with the status given in argv after an optional delay, or exits at once.
const SERVER_SCRIPT = `
const [port, status, delayMs] = process.argv.slice(1).map(Number);
console.log('starting on', port);
console.error('a warning on stderr');
setTimeout(() => require('node:http').createServer((q, s) => { s.statusCode = status; s.end('x'); }).listen(port, '127.0.0.1'), delayMs);
process.on('SIGTERM', () => { console.log('bye'); process.exit(0); });
`;

describe('startManagedProcess', () => {
  const started: ManagedProcess[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((proc) => proc.stop('SIGKILL')));
  });

  it('waits for /readyz to answer 200 and keeps the output in memory', async () => {
    const port = await freePort();
    const proc = startManagedProcess({
      name: 'fake',
      args: ['-e', SERVER_SCRIPT, String(port), '200', '300'],
      env: baseChildEnv(),
      readyUrl: `http://127.0.0.1:${port}/readyz`,
      readyTimeoutMs: 5000,
    });
    started.push(proc);
    await proc.waitReady();
    expect(proc.output()).toContain(`  starting on ${port}`);
    expect(proc.output()).toContain('! a warning on stderr');
    const exit = await proc.stop('SIGTERM', 5000);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(proc.output()).toContain('  bye');
  });

  it('fails fast with the exit code and last lines when the child exits before it is ready', async () => {
    const proc = startManagedProcess({
      name: 'broken',
      args: ['-e', "console.error('config rejected (1 problem)'); process.exit(78)"],
      env: baseChildEnv(),
      readyUrl: 'http://127.0.0.1:9/readyz',
      readyTimeoutMs: 20_000,
    });
    started.push(proc);
    const begun = Date.now();
    await expect(proc.waitReady()).rejects.toThrow(/broken exited with code 78[\s\S]*config rejected \(1 problem\)/);
    expect(Date.now() - begun).toBeLessThan(5000);
  });

  it('fails at the deadline with the last answer when /readyz keeps answering 503', async () => {
    const port = await freePort();
    const proc = startManagedProcess({
      name: 'unready',
      args: ['-e', SERVER_SCRIPT, String(port), '503', '0'],
      env: baseChildEnv(),
      readyUrl: `http://127.0.0.1:${port}/readyz`,
      readyTimeoutMs: 3_000,
    });
    started.push(proc);
    await expect(proc.waitReady()).rejects.toThrow(
      /unready not ready: .* within 3000 ms \(last: HTTP 503 x; still running\)[\s\S]*starting on/,
    );
  });

  it('escalates to SIGKILL when the child ignores SIGTERM', async () => {
    const proc = startManagedProcess({
      name: 'stubborn',
      args: ['-e', "process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000)"],
      env: baseChildEnv(),
    });
    started.push(proc);
    await waitFor(() => proc.output().includes('  up'), { timeoutMs: 5000 });
    expect(await proc.stop('SIGTERM', 300)).toEqual({ code: null, signal: 'SIGKILL' });
  });
});

describe('freePort', () => {
  it('returns a port that a server can listen on', async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    expect((server.address() as AddressInfo).port).toBe(port);
    await new Promise((resolve) => server.close(resolve));
  });
});
