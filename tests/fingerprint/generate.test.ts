import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const generator = join(repoRoot, 'bench/fingerprint/generate.mjs');
/** The generator's alphabet of generated suffixes. */
const A = '[bcdfghjklmnpqrstvwxz2456789]';

function generate(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [generator, ...args], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 }, (error, stdout) =>
      error === null ? resolve(stdout) : reject(error),
    );
  });
}

interface KubeObject {
  kind: string;
  metadata: { name: string; ownerReferences?: { kind: string; name: string }[] };
}

describe('fingerprint stream generator', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'generate-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the same bytes for the same seed and other bytes for another seed', async () => {
    const [first, second, other] = await Promise.all([
      generate(['--seed', '7', '--incidents', '2', '--objects', join(dir, 'a.jsonl')]),
      generate(['--seed', '7', '--incidents', '2', '--objects', join(dir, 'b.jsonl')]),
      generate(['--seed', '8', '--incidents', '2', '--objects', join(dir, 'c.jsonl')]),
    ]);
    expect(second).toBe(first);
    expect(await readFile(join(dir, 'b.jsonl'), 'utf8')).toBe(await readFile(join(dir, 'a.jsonl'), 'utf8'));
    expect(other).not.toBe(first);
  });

  it('labels every line, in time order, and names pods as their controllers do', async () => {
    const objectsPath = join(dir, 'objects.jsonl');
    const stream = await generate(['--seed', '3', '--incidents', '1', '--objects', objectsPath]);
    const lines = stream
      .trim()
      .split('\n')
      .map((text) => JSON.parse(text) as { t: number; truth?: string; scenario?: string });
    expect(lines.length).toBeGreaterThan(100);
    for (const [index, line] of lines.entries()) {
      expect(line.truth, `line ${index}`).toBeTruthy();
      expect(line.scenario, `line ${index}`).toBeTruthy();
      if (index > 0) expect(line.t).toBeGreaterThanOrEqual(lines[index - 1]?.t ?? 0);
    }
    const objects = (await readFile(objectsPath, 'utf8'))
      .trim()
      .split('\n')
      .map((text) => JSON.parse(text) as KubeObject);
    const patterns: Record<string, RegExp> = {
      ReplicaSet: new RegExp(`^(.+)-${A}{5}$`),
      StatefulSet: /^(.+)-(0|[1-9][0-9]*)$/,
      Job: new RegExp(`^(.+)-${A}{5}$`),
      DaemonSet: new RegExp(`^(.+)-${A}{5}$`),
    };
    for (const object of objects.filter((candidate) => candidate.kind === 'Pod')) {
      const owner = object.metadata.ownerReferences?.[0];
      expect(owner, object.metadata.name).toBeDefined();
      const match = patterns[owner?.kind ?? '']?.exec(object.metadata.name);
      expect(match?.[1], `${object.metadata.name} owned by ${owner?.kind} ${owner?.name}`).toBe(
        owner?.kind === 'DaemonSet' ? owner.name : owner?.name,
      );
    }
    for (const object of objects.filter((candidate) => candidate.kind === 'ReplicaSet')) {
      const owner = object.metadata.ownerReferences?.[0];
      expect(object.metadata.name).toMatch(new RegExp(`^${owner?.name}-${A}{6,10}$`));
    }
    for (const object of objects.filter((candidate) => candidate.kind === 'Job')) {
      const owner = object.metadata.ownerReferences?.[0];
      expect(object.metadata.name).toMatch(new RegExp(`^${owner?.name}-[0-9]{8,10}$`));
    }
  });
});
