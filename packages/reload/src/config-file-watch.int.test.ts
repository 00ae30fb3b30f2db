import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, open, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { waitFor } from '@gateway/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ConfigFileWatch, watchConfigFile } from './config-file-watch.js';

const DEBOUNCE_MS = 200;
/** Longer than any test: the poll stays out of tests about the directory watch. */
const NO_POLL_MS = 600_000;

let root: string;
let watches: ConfigFileWatch[];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'config-watch-'));
  watches = [];
});

afterEach(async () => {
  for (const watch of watches) watch.close();
  await rm(root, { recursive: true, force: true });
});

/** What the file held when `onChange` ran: the controller reads it at that moment too. */
function contentNow(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '<missing>';
  }
}

function startWatch(path: string, timing: { debounceMs?: number; pollIntervalMs?: number } = {}) {
  const changes: string[] = [];
  const errors: Error[] = [];
  const watch = watchConfigFile({
    path,
    debounceMs: timing.debounceMs ?? DEBOUNCE_MS,
    pollIntervalMs: timing.pollIntervalMs ?? NO_POLL_MS,
    onChange: () => changes.push(contentNow(path)),
    onError: (error) => errors.push(error),
  });
  watches.push(watch);
  return { changes, errors, watch };
}

async function waitForChanges(changes: string[], count: number, description: string): Promise<void> {
  await waitFor(() => changes.length >= count, { timeoutMs: 5_000, description });
}

/** Only to show that nothing more happens: longer than a debounce plus the read after it. */
async function settle(debounceMs = DEBOUNCE_MS): Promise<void> {
  await delay(2 * debounceMs);
}

describe('watchConfigFile', () => {
  it('calls onChange once when the file is rewritten with new content', async () => {
    const path = join(root, 'config.yaml');
    await writeFile(path, 'a: 1\n');
    const { changes, errors } = startWatch(path);

    await writeFile(path, 'a: 2\n');
    await waitForChanges(changes, 1, 'the rewrite');
    await settle();

    expect(changes).toEqual(['a: 2\n']);
    expect(errors).toEqual([]);
  });

  it('calls nothing when the same content is written again', async () => {
    const path = join(root, 'config.yaml');
    await writeFile(path, 'a: 1\n');
    const { changes } = startWatch(path);

    await writeFile(path, 'a: 1\n');
    await settle();

    expect(changes).toEqual([]);
  });

  it('follows a ConfigMap update that swaps the ..data symlink, again and again', async () => {
    const path = join(root, 'config.yaml');
    await mkdir(join(root, '..2026_a'));
    await writeFile(join(root, '..2026_a', 'config.yaml'), 'version: a\n');
    await symlink('..2026_a', join(root, '..data'));
    await symlink('..data/config.yaml', path);
    const { changes, errors } = startWatch(path);

    // As the kubelet does it: a new timestamped directory, a temporary symlink renamed over `..data`, the old
    // directory removed. The file's own symlink never changes.
    async function publish(version: string, previous: string): Promise<void> {
      await mkdir(join(root, `..2026_${version}`));
      await writeFile(join(root, `..2026_${version}`, 'config.yaml'), `version: ${version}\n`);
      await symlink(`..2026_${version}`, join(root, '..data_tmp'));
      await rename(join(root, '..data_tmp'), join(root, '..data'));
      await rm(join(root, `..2026_${previous}`), { recursive: true });
    }

    await publish('b', 'a');
    await waitForChanges(changes, 1, 'the first swap');
    await publish('c', 'b');
    await waitForChanges(changes, 2, 'the second swap');
    await settle();

    expect(changes).toEqual(['version: b\n', 'version: c\n']);
    expect(errors).toEqual([]);
  });

  it('sees a file written in two pieces within the debounce as one change to the whole file', async () => {
    const path = join(root, 'config.yaml');
    await writeFile(path, 'old: true\n');
    const debounceMs = 300;
    const { changes } = startWatch(path, { debounceMs });

    const handle = await open(path, 'w');
    try {
      await handle.write('first: half\n');
      await handle.sync();
      // A slow writer: the second piece comes well inside the debounce.
      await delay(debounceMs / 4);
      await handle.write('second: half\n');
    } finally {
      await handle.close();
    }
    await waitForChanges(changes, 1, 'the finished write');
    await settle(debounceMs);

    expect(changes).toEqual(['first: half\nsecond: half\n']);
  });

  it('calls onChange when the file is deleted and again when it comes back', async () => {
    const path = join(root, 'config.yaml');
    await writeFile(path, 'a: 1\n');
    const { changes, errors } = startWatch(path);

    await rm(path);
    await waitForChanges(changes, 1, 'the deletion');
    await writeFile(path, 'a: 1\n');
    await waitForChanges(changes, 2, 'the file coming back');
    await settle();

    expect(changes).toEqual(['<missing>', 'a: 1\n']);
    expect(errors).toEqual([]);
  });

  it('notices by polling a change the directory watch cannot see', async () => {
    // The watched directory holds only a symlink; writing the target in place raises no event there.
    await mkdir(join(root, 'elsewhere'));
    await mkdir(join(root, 'watched'));
    const target = join(root, 'elsewhere', 'config.yaml');
    const path = join(root, 'watched', 'config.yaml');
    await writeFile(target, 'a: 1\n');
    await symlink(target, path);
    const unpolled = startWatch(path);
    const polled = startWatch(path, { pollIntervalMs: 200 });

    await writeFile(target, 'a: 2\n');
    await waitForChanges(polled.changes, 1, 'the poll');
    await settle();

    expect(polled.changes).toEqual(['a: 2\n']);
    expect(unpolled.changes).toEqual([]);
  });

  it('reports a vanished directory once and notices the file when the directory comes back', async () => {
    const directory = join(root, 'config');
    const path = join(directory, 'config.yaml');
    await mkdir(directory);
    await writeFile(path, 'a: 1\n');
    const pollIntervalMs = 100;
    const { changes, errors } = startWatch(path, { debounceMs: 50, pollIntervalMs });

    await rm(directory, { recursive: true });
    await waitForChanges(changes, 1, 'the deletion');
    await waitFor(() => errors.length > 0, { timeoutMs: 5_000, description: 'the failed re-arm' });
    // Several polls pass while the directory is gone; each fails to watch it again.
    await delay(3 * pollIntervalMs);

    await mkdir(directory);
    await writeFile(path, 'a: 2\n');
    await waitForChanges(changes, 2, 'the file in the new directory');

    expect(changes).toEqual(['<missing>', 'a: 2\n']);
    expect(errors.map((error) => error.message)).toEqual([
      `cannot watch ${directory}; changes are noticed by the poll only`,
    ]);
  });

  it('calls nothing after close', async () => {
    const path = join(root, 'config.yaml');
    await writeFile(path, 'a: 1\n');
    const { changes, watch } = startWatch(path, { debounceMs: 50, pollIntervalMs: 50 });

    await writeFile(path, 'a: 2\n');
    watch.close();
    await writeFile(path, 'a: 3\n');
    await settle();

    expect(changes).toEqual([]);
  });
});
