import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { createTestRedis, freePort, type KubeObject, scrapeMetrics, sumMetric, waitFor } from '@gateway/testkit';

/**
 * Worker settings that make recovery observable within a test's budget: a stalled job re-runs 5 to 10 s after
 * its worker died, failed jobs come back within a second, counts and audit leave within 200 ms, and an opened
 * breaker half-opens after 1 s instead of 30 s. Production semantics are unchanged, only the clocks are faster.
 */
export const FAST_WORKER_ENV: Readonly<Record<string, string>> = {
  GATEWAY_CFG__WORKER__LOCK_DURATION: '5s',
  GATEWAY_CFG__QUEUE__JOB_RETRY__INITIAL_DELAY: '200ms',
  GATEWAY_CFG__QUEUE__JOB_RETRY__MAX_DELAY: '1s',
  GATEWAY_CFG__DEDUP__FLUSH_INTERVAL: '200ms',
  GATEWAY_CFG__AUDIT__FLUSH_INTERVAL: '200ms',
  GATEWAY_CFG__AUDIT__RETRY__INITIAL_BACKOFF: '200ms',
  GATEWAY_CFG__AUDIT__RETRY__MAX_BACKOFF: '1s',
  GATEWAY_CFG__CIRCUIT_BREAKER__OPEN_DURATION: '1s',
  // Probes only run within the open phase: with the default interval (1s) the 1 s open phase ends first.
  GATEWAY_CFG__CIRCUIT_BREAKER__PROBE_INTERVAL: '200ms',
};

export const fingerprintOf = (rr: KubeObject): string => (rr.spec as { signalFingerprint: string }).signalFingerprint;

/** RRs of one fingerprint, by name. */
export const rrNamesFor = (rrs: readonly KubeObject[], fingerprint: string): string[] =>
  rrs
    .filter((rr) => fingerprintOf(rr) === fingerprint)
    .map((rr) => rr.metadata.name)
    .sort();

/** Sum of a worker (or ingress) metric over every series whose labels include `labels`. */
export async function metricValue(baseUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  return sumMetric(await scrapeMetrics(`${baseUrl}/metrics`), name, labels);
}

/** ISO time `seconds` after a fixed base: distinct startsAt give distinct Alertmanager delivery keys. */
export const at = (base: string, seconds: number): string => new Date(Date.parse(base) + seconds * 1000).toISOString();

/**
 * Waits until nothing of the stack's queue is waiting, active or delayed and no status write is due: every
 * accepted signal has been decided and written. Reads only keys under the stack's own prefix.
 */
export async function waitForQuiet(prefix: string, timeoutMs = 30_000, logs: () => string = () => ''): Promise<void> {
  const redis = createTestRedis();
  try {
    await waitFor(
      async () => {
        const [wait, active, delayed, prioritized, dirty] = await Promise.all([
          redis.llen(`${prefix}:signals:wait`),
          redis.llen(`${prefix}:signals:active`),
          redis.zcard(`${prefix}:signals:delayed`),
          redis.zcard(`${prefix}:signals:prioritized`),
          redis.zcard(`${prefix}:dedup:dirty`),
        ]);
        if (wait + active + delayed + prioritized + dirty === 0) return true;
        throw new Error(
          `wait ${wait}, active ${active}, delayed ${delayed}, prioritized ${prioritized}, dirty ${dirty}`,
        );
      },
      { timeoutMs, intervalMs: 100, description: `queue ${prefix} to drain` },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${logs()}`);
    });
  } finally {
    redis.disconnect();
  }
}

/** Deletes every key under `prefix` that matches one of the glob `patterns` (SCAN + UNLINK, never FLUSH*). */
export async function deleteKeysMatching(prefix: string, patterns: readonly string[]): Promise<number> {
  const redis = createTestRedis();
  let deleted = 0;
  try {
    for (const pattern of patterns) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:${pattern}`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) deleted += await redis.unlink(...keys);
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/** A redis-server of the test's own (no persistence), so a test can kill Redis without touching the shared one. */
export interface PrivateRedis {
  readonly url: string;
  readonly port: number;
  /** SIGKILL: every key is lost, as with a crashed Redis without AOF. */
  kill(): Promise<void>;
  /** Starts an empty server on the same port. */
  start(): Promise<void>;
  output(): string;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

export async function startPrivateRedis(binary = '/usr/bin/redis-server'): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  let output = '';
  const start = async (): Promise<void> => {
    const proc = spawn(
      binary,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--maxmemory-policy',
        'noeviction',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    proc.stdout?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    });
    proc.stderr?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    });
    child = proc;
    await waitFor(
      () => (proc.exitCode !== null ? Promise.reject(new Error(`redis-server exited: ${output}`)) : ping(port)),
      {
        timeoutMs: 10_000,
        intervalMs: 50,
        description: `private redis-server on ${port}`,
      },
    );
  };
  const kill = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = once(proc, 'exit');
    proc.kill('SIGKILL');
    await exited;
  };
  process.once('exit', () => child?.kill('SIGKILL'));
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, kill, start, output: () => output };
}
