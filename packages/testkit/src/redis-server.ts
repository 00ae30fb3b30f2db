import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from './stack/free-port.js';
import { baseChildEnv, formatOutput, startManagedProcess } from './stack/managed-process.js';
import { waitFor } from './stack/wait-for.js';

const run = promisify(execFile);

export interface RedisServerOptions {
  /** Contents of an ACL file (`user …` lines) the server loads instead of its open default user. */
  acl?: string;
  /** Serve TLS only, with a server certificate for 127.0.0.1 signed by a CA made for this server. */
  tls?: boolean;
  /** Default 10 s. */
  readyTimeoutMs?: number;
}

/** A redis-server of one test's own, on a free loopback port, removed with its files by `stop`. */
export interface RedisServer {
  readonly port: number;
  /** The CA certificate (PEM file) that clients must trust; undefined without TLS. */
  readonly caFile: string | undefined;
  /** `redis://` or `rediss://` for 127.0.0.1 with the given credentials, percent-encoded. */
  url(user?: string, password?: string): string;
  /** A client that trusts the server's CA, gives up at the first failure and never reconnects: for probes. */
  client(user?: string, password?: string): Redis;
  output(): string[];
  stop(): Promise<void>;
}

/** Starts `redis-server` (which must be installed, as scripts/test ensures) and waits until it accepts connections. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'redis-server-'));
  const port = await freePort();
  const args = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  if (options.acl !== undefined) {
    await writeFile(join(dir, 'users.acl'), options.acl, { mode: 0o600 });
    args.push('--aclfile', join(dir, 'users.acl'));
  }
  let caFile: string | undefined;
  if (options.tls) {
    caFile = await issueLoopbackCertificate(dir);
    args.push('--port', '0', '--tls-port', String(port), '--tls-auth-clients', 'no');
    args.push('--tls-ca-cert-file', caFile, '--tls-cert-file', join(dir, 'server.crt'));
    args.push('--tls-key-file', join(dir, 'server.key'));
  } else {
    args.push('--port', String(port));
  }
  const proc = startManagedProcess({ name: 'redis-server', command: 'redis-server', args, env: baseChildEnv() });
  const stop = async (): Promise<void> => {
    await proc.stop('SIGTERM', 5_000);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      () => proc.exitInfo() !== undefined || proc.output().some((line) => line.includes('Ready to accept')),
      {
        timeoutMs: options.readyTimeoutMs ?? 10_000,
        description: 'redis-server to accept connections',
      },
    );
    if (proc.exitInfo()) throw new Error('redis-server exited');
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${formatOutput('redis-server', proc.output())}`);
  }
  const scheme = options.tls ? 'rediss' : 'redis';
  const url = (user?: string, password?: string): string => {
    const credentials =
      user === undefined && password === undefined
        ? ''
        : `${encodeURIComponent(user ?? '')}${password === undefined ? '' : `:${encodeURIComponent(password)}`}@`;
    return `${scheme}://${credentials}127.0.0.1:${port}`;
  };
  return {
    port,
    caFile,
    url,
    client: (user, password) =>
      new Redis(url(user, password), {
        ...(caFile ? { tls: { ca: readFileSync(caFile) } } : {}),
        maxRetriesPerRequest: 0,
        enableReadyCheck: false,
        retryStrategy: () => null,
      }),
    output: () => proc.output(),
    stop,
  };
}

/** Writes ca.crt, server.crt and server.key (IP SAN 127.0.0.1) into `dir` with openssl; returns the CA file. */
async function issueLoopbackCertificate(dir: string): Promise<string> {
  const file = (name: string) => join(dir, name);
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await writeFile(file('san.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  await run(
    'openssl',
    ['req', '-x509', ...key, '-keyout', file('ca.key'), '-out', file('ca.crt')].concat([
      '-days',
      '2',
      '-subj',
      '/CN=gateway test CA',
    ]),
  );
  await run('openssl', [
    'req',
    ...key,
    '-keyout',
    file('server.key'),
    '-out',
    file('server.csr'),
    '-subj',
    '/CN=127.0.0.1',
  ]);
  await run(
    'openssl',
    ['x509', '-req', '-in', file('server.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key')].concat([
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      file('san.cnf'),
      '-out',
      file('server.crt'),
    ]),
  );
  return file('ca.crt');
}
