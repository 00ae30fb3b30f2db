import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTokenFileReader } from './token-file.js';

describe('token file reader', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'audit-token-file-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps a token for the refresh interval and picks up a rotated one after it', async () => {
    const path = join(dir, 'token');
    await writeFile(path, 'first\n');
    let nowMs = 0;
    const readToken = createTokenFileReader({ path, refreshIntervalMs: 60_000, now: () => nowMs });
    expect(await readToken()).toBe('first');
    await writeFile(path, 'second');
    nowMs = 59_999;
    expect(await readToken()).toBe('first');
    nowMs = 60_000;
    expect(await readToken()).toBe('second');
  });

  it('gives no token while the file is missing or empty', async () => {
    expect(await createTokenFileReader({ path: join(dir, 'absent') })()).toBeUndefined();
    await writeFile(join(dir, 'empty'), '\n');
    expect(await createTokenFileReader({ path: join(dir, 'empty') })()).toBeUndefined();
  });
});
