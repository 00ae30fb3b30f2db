import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../events/audit-event-types.js';
import { configReloadedEvent } from '../events/config-events.js';
import { SinkOutcome } from './audit-sink.js';
import { createJsonlFileSink } from './jsonl-file-sink.js';

function events(count: number, from = 0): AuditEvent[] {
  return Array.from({ length: count }, (_, index) =>
    configReloadedEvent({
      processId: 'jsonl',
      reloadSequence: from + index,
      component: 'sources',
      configHash: 'aa11bb22cc33',
      now: new Date(0),
    }),
  );
}

async function lines(path: string): Promise<unknown[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

describe('jsonl file sink', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'audit-jsonl-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('appends one JSON object per line, creating the folder', async () => {
    const path = join(dir, 'nested', 'audit.jsonl');
    const sink = createJsonlFileSink({ path });
    const first = events(3);
    const second = events(2, 3);
    expect(await sink.send(first, { requestId: 'a' })).toMatchObject({ outcome: SinkOutcome.accepted });
    expect(await sink.send(second, { requestId: 'b' })).toMatchObject({ outcome: SinkOutcome.accepted });
    expect(await lines(path)).toEqual([...first, ...second]);
  });

  it('rotates at the size limit and keeps only maxFiles files', async () => {
    const path = join(dir, 'audit.jsonl');
    const batchBytes = Buffer.byteLength(`${JSON.stringify(events(1)[0])}\n`) * 2;
    const sink = createJsonlFileSink({ path, maxBytes: batchBytes * 2, maxFiles: 3 });
    const batches = Array.from({ length: 8 }, (_, index) => events(2, index * 2));
    for (const batch of batches) await sink.send(batch, { requestId: 'r' });

    expect((await readdir(dir)).sort()).toEqual(['audit.jsonl', 'audit.jsonl.1', 'audit.jsonl.2']);
    expect(await lines(path)).toEqual([...batches[6]!, ...batches[7]!]);
    expect(await lines(`${path}.1`)).toEqual([...batches[4]!, ...batches[5]!]);
    expect(await lines(`${path}.2`)).toEqual([...batches[2]!, ...batches[3]!]);
  });

  it('reports a write error as retryable instead of throwing', async () => {
    const blocker = join(dir, 'not-a-folder');
    await writeFile(blocker, 'x');
    const sink = createJsonlFileSink({ path: join(blocker, 'audit.jsonl') });
    const result = await sink.send(events(1), { requestId: 'r' });
    expect(result).toMatchObject({ outcome: SinkOutcome.retry, status: 'io_error' });
  });
});
