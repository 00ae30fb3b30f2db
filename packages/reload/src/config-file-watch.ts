import { createHash } from 'node:crypto';
import { type FSWatcher, readFileSync, statSync, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface ConfigFileWatchOptions {
  /** `GATEWAY_CONFIG` as given; re-resolved on every change, because a ConfigMap update swaps a `..data` symlink. */
  path: string;
  /** Events within this long of each other make one change (`reload.debounce`). */
  debounceMs: number;
  /** A poll at this interval catches changes the watch missed (`reload.pollInterval`). */
  pollIntervalMs: number;
  onChange(): void;
  onError(error: Error): void;
}

export interface ConfigFileWatch {
  close(): void;
}

/** The digest of a file that cannot be read; no sha256 hex equals it, so losing the file is one change. */
const MISSING_DIGEST = 'missing';

function digestOfBytes(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Reads through the path, so every symlink on the way (`config.yaml -> ..data/config.yaml`) resolves anew. */
async function digestOfFile(path: string): Promise<string> {
  try {
    return digestOfBytes(await readFile(path));
  } catch {
    return MISSING_DIGEST;
  }
}

function digestOfFileNow(path: string): string {
  try {
    return digestOfBytes(readFileSync(path));
  } catch {
    return MISSING_DIGEST;
  }
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/**
 * Calls `onChange` when the bytes behind `path` change, deletion and reappearance included.
 *
 * The directory is watched rather than the file: a ConfigMap volume updates by renaming a new `..data` symlink over
 * the old one, which a watch on the file (or on the inode it resolved to) never sees. Events only start the debounce;
 * the content digest decides, so unrelated files in the directory and rewrites of the same bytes call nothing.
 *
 * A writer that writes the file in pieces is covered only while the pieces come within `debounceMs` of each other;
 * writers should write a temporary file in the same directory and rename it into place.
 */
export function watchConfigFile(options: ConfigFileWatchOptions): ConfigFileWatch {
  const { path, debounceMs, pollIntervalMs, onChange, onError } = options;
  const directory = dirname(path);
  // Read synchronously so the first event or poll already has the file as it was when watching began to compare with.
  let lastDigest = digestOfFileNow(path);
  let closed = false;
  let debounceTimer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  /** The directory's inode when the watch was set up; a different one means the directory was replaced. */
  let watchedInode: number | undefined;
  let watchFailureReported = false;
  let checkRunning = false;
  let checkAgain = false;

  function notifyChange(): void {
    try {
      onChange();
    } catch (error) {
      onError(asError(error));
    }
  }

  /** One comparison at a time: two overlapping reads could otherwise report the same change twice. */
  async function check(): Promise<void> {
    if (closed) return;
    if (checkRunning) {
      checkAgain = true;
      return;
    }
    checkRunning = true;
    try {
      do {
        checkAgain = false;
        const digest = await digestOfFile(path);
        if (closed) return;
        if (digest !== lastDigest) {
          lastDigest = digest;
          notifyChange();
        }
      } while (checkAgain);
    } finally {
      checkRunning = false;
    }
  }

  function runCheck(): void {
    check().catch((error: unknown) => onError(asError(error)));
  }

  function onWatchEvent(): void {
    if (closed) return;
    clearTimeout(debounceTimer);
    debounceTimer = setTimeout(() => {
      debounceTimer = undefined;
      runCheck();
    }, debounceMs);
    debounceTimer.unref();
  }

  function closeWatcher(): void {
    watcher?.close();
    watcher = undefined;
    watchedInode = undefined;
  }

  /** Sets the watch up, or again when it failed or the directory was replaced (the old watch then sees nothing). */
  function armWatch(): void {
    let inode: number;
    try {
      inode = statSync(directory).ino;
    } catch (error) {
      closeWatcher();
      reportWatchFailure(error);
      return;
    }
    if (watcher !== undefined && watchedInode === inode) return;
    closeWatcher();
    try {
      const created = watch(directory, { persistent: false }, onWatchEvent);
      created.on('error', (error) => {
        if (watcher !== created) return;
        closeWatcher();
        reportWatchFailure(error);
      });
      watcher = created;
      watchedInode = inode;
      watchFailureReported = false;
    } catch (error) {
      reportWatchFailure(error);
    }
  }

  /** Once per outage: the poll keeps trying every interval and would otherwise repeat the same error. */
  function reportWatchFailure(error: unknown): void {
    if (watchFailureReported) return;
    watchFailureReported = true;
    onError(new Error(`cannot watch ${directory}; changes are noticed by the poll only`, { cause: error }));
  }

  armWatch();
  const pollTimer = setInterval(() => {
    armWatch();
    // A pending debounce means events are still arriving (a writer mid-file); its own check follows.
    if (debounceTimer === undefined) runCheck();
  }, pollIntervalMs);
  pollTimer.unref();

  return {
    close(): void {
      closed = true;
      clearInterval(pollTimer);
      clearTimeout(debounceTimer);
      debounceTimer = undefined;
      closeWatcher();
    },
  };
}
