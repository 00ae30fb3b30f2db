import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestRedis } from '@gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const harness = join(repoRoot, 'bench/fingerprint/dist/main.js');
const generator = join(repoRoot, 'bench/fingerprint/generate.mjs');
const baselineConfig = join(repoRoot, 'bench/fingerprint/default-strategy.yaml');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [file, ...args],
      { cwd: repoRoot, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

interface StreamLine {
  source: string;
  alert?: { status: string };
  event?: { type: string };
}

/** Lines the gateway would turn into firing signals: firing alerts and Warning or Error Events. */
function firingIndexes(stream: string): number[] {
  return stream.split('\n').flatMap((text, index) => {
    if (text.trim() === '') return [];
    let line: StreamLine;
    try {
      line = JSON.parse(text) as StreamLine;
    } catch {
      return [];
    }
    const firing = line.source === 'alertmanager' ? line.alert?.status === 'firing' : line.event?.type !== 'Normal';
    return firing ? [index] : [];
  });
}

describe('pnpm eval:fingerprint', () => {
  let dir: string;
  let streamPath: string;
  let objectsPath: string;
  let stream: string;
  let scored: Run;

  beforeAll(async () => {
    if (!existsSync(harness)) throw new Error(`${harness} is missing: build first (pnpm build)`);
    dir = await mkdtemp(join(tmpdir(), 'eval-fingerprint-'));
    objectsPath = join(dir, 'objects.jsonl');
    const generated = await run(generator, ['--seed', '5', '--incidents', '1', '--objects', objectsPath]);
    expect(generated.code, generated.stderr).toBe(0);
    const normalEvent = {
      t: 1_767_600_000_000,
      source: 'kubernetes-event',
      clusterId: 'prod-a',
      event: {
        metadata: { name: 'web.1', namespace: 'shop', uid: 'u-normal', resourceVersion: '1' },
        involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'shop' },
        reason: 'Pulled',
        type: 'Normal',
      },
      truth: 'noise',
      scenario: 'noise',
    };
    stream = `${generated.stdout}not json\n${JSON.stringify(normalEvent)}\n`;
    streamPath = join(dir, 'stream.jsonl');
    await writeFile(streamPath, stream);
    scored = await run(harness, ['--config', baselineConfig, '--objects', objectsPath, '--truth', streamPath]);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one line per firing signal and nothing else on stdout, and the score table on stderr', async () => {
    const result = scored;
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines.pop()).toBe('');
    for (const text of lines) expect(text).toMatch(/^\{"i":\d+,"fingerprint":"[0-9a-f]{64}"\}$/);
    const indexes = lines.map((text) => (JSON.parse(text) as { i: number }).i);
    expect(indexes).toEqual(firingIndexes(stream));

    const rejectedIndex = stream.split('\n').indexOf('not json');
    expect(result.stderr).toContain(`line ${rejectedIndex}: rejected: not a JSON object`);
    expect(result.stderr).toMatch(/^\| scenario +\| lines +\| incidents \| dedup \| default \| ideal \| recovered \|/m);
    const pooled = result.stderr.split('\n').find((text) => text.startsWith('| all '));
    // The configured strategy is the default one here, so it recovers nothing and equals its baseline.
    expect(pooled).toMatch(new RegExp(`^\\| all +\\| ${lines.length} +\\| \\d+ +\\| (\\d\\.\\d{3}) \\| \\1 +\\| `));
  });

  it('gives the same fingerprints without scoring and without the objects file, and leaves nothing in Redis', async () => {
    const prefix = `t-eval-${process.pid}`;
    const plain = await run(harness, ['--config', baselineConfig, streamPath], { GATEWAY_CFG__REDIS__PREFIX: prefix });
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toBe(scored.stdout);
    expect(plain.stderr).not.toContain('| scenario');
    const redis = createTestRedis();
    try {
      expect(await redis.keys(`${prefix}:*`)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  it('keeps similarity state under a prefix of its own and leaves nothing in Redis', async () => {
    const prefix = `t-eval-sim-${process.pid}`;
    const configPath = join(dir, 'similarity.yaml');
    await writeFile(configPath, 'fingerprint: {strategy: similarity}\n');
    const similar = await run(harness, ['--config', configPath, '--truth', streamPath], {
      GATEWAY_CFG__REDIS__PREFIX: prefix,
    });
    expect(similar.code, similar.stderr).toBe(0);
    expect(similar.stdout.split('\n').slice(0, -1)).toHaveLength(firingIndexes(stream).length);
    expect(similar.stderr).toContain('strategy similarity');
    const redis = createTestRedis();
    try {
      expect(await redis.keys(`${prefix}:*`)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  it("fingerprints as the gateway does: Kubernaut's formula, prefixed with the sender's cluster when multi-cluster is on", async () => {
    const pod = 'web-7d4b9c6f8-x2x9z';
    const alert = (status: string) => ({
      t: 1_767_600_000_000,
      source: 'alertmanager',
      clusterId: 'prod-a',
      alert: {
        status,
        labels: { alertname: 'KubePodCrashLooping', namespace: 'shop', pod, cluster: 'ignored-label' },
        startsAt: '2026-01-05T08:00:00Z',
        endsAt: status === 'firing' ? '0001-01-01T00:00:00Z' : '2026-01-05T08:10:00Z',
      },
    });
    const event = {
      t: 1_767_600_060_000,
      source: 'kubernetes-event',
      clusterId: 'prod-a',
      event: {
        metadata: { name: `${pod}.1`, namespace: 'shop', uid: 'u-1', resourceVersion: '7' },
        involvedObject: { kind: 'Pod', name: pod, namespace: 'shop' },
        reason: 'BackOff',
        type: 'Warning',
      },
    };
    const handMade = join(dir, 'hand-made.jsonl');
    await writeFile(
      handMade,
      [alert('firing'), alert('resolved'), event].map((line) => JSON.stringify(line)).join('\n'),
    );
    const singleCluster = join(dir, 'single-cluster.yaml');
    await writeFile(singleCluster, 'multiCluster:\n  enabled: false\n');
    const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

    const multi = await run(harness, ['--config', baselineConfig, handMade]);
    expect(multi.code, multi.stderr).toBe(0);
    expect(multi.stdout).toBe(
      `{"i":0,"fingerprint":"${sha256(`prod-a:KubePodCrashLooping:shop:Pod:${pod}`)}"}\n` +
        `{"i":2,"fingerprint":"${sha256(`prod-a:BackOff:shop:Pod:${pod}`)}"}\n`,
    );
    const single = await run(harness, ['--config', singleCluster, handMade]);
    expect(single.code, single.stderr).toBe(0);
    expect(single.stdout).toBe(
      `{"i":0,"fingerprint":"${sha256(`KubePodCrashLooping:shop:Pod:${pod}`)}"}\n` +
        `{"i":2,"fingerprint":"${sha256(`BackOff:shop:Pod:${pod}`)}"}\n`,
    );
  });

  it('exits 2 with the usage when the command line is wrong', async () => {
    const missingConfig = await run(harness, [streamPath]);
    expect(missingConfig.code).toBe(2);
    expect(missingConfig.stderr).toContain('--config <gateway.yaml> is required');
    expect(missingConfig.stderr).toContain('usage: pnpm eval:fingerprint');
    const missingStream = await run(harness, ['--config', baselineConfig, join(dir, 'absent.jsonl')]);
    expect(missingStream.code).toBe(2);
    expect(missingStream.stderr).toMatch(/cannot read stream file .*absent\.jsonl \(ENOENT\)/);
    expect(missingStream.stdout).toBe('');
  });

  it("exits 78 with the apps' problem lines when the configuration is invalid", async () => {
    const configPath = join(dir, 'invalid.yaml');
    await writeFile(configPath, 'fingerprint:\n  strategy: bogus\n');
    const result = await run(harness, ['--config', configPath, streamPath]);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain(`config rejected (1 problem) in ${configPath}`);
    expect(result.stderr).toMatch(/^ {2}fingerprint\.strategy: got "bogus"/m);
    expect(result.stdout).toBe('');
  });
});
