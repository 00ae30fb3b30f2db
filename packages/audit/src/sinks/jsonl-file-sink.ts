import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type AuditSink, type AuditSinkResult, SinkOutcome } from './audit-sink.js';

export const DEFAULT_JSONL_MAX_BYTES = 100 * 1024 * 1024;
export const DEFAULT_JSONL_MAX_FILES = 5;

export interface JsonlFileSinkOptions {
  path: string;
  /** Size at which the active file is rotated. */
  maxBytes?: number;
  /** Files kept, the active one included (`path`, `path.1` … `path.<maxFiles-1>`). */
  maxFiles?: number;
}

/** Rotated file `n` (1 = newest); the active file is generation 0. */
function generationPath(path: string, generation: number): string {
  return generation === 0 ? path : `${path}.${generation}`;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function rotate(path: string, maxFiles: number): Promise<void> {
  await rm(generationPath(path, maxFiles - 1), { force: true });
  for (let generation = maxFiles - 2; generation >= 0; generation -= 1) {
    await rename(generationPath(path, generation), generationPath(path, generation + 1)).catch(() => undefined);
  }
}

/**
 * The local audit trail when no Data Storage is configured: one JSON object per line, synced to disk before
 * the batch counts as delivered, so a crash never loses an acknowledged event.
 */
export function createJsonlFileSink(options: JsonlFileSinkOptions): AuditSink {
  const maxBytes = options.maxBytes ?? DEFAULT_JSONL_MAX_BYTES;
  const maxFiles = Math.max(1, options.maxFiles ?? DEFAULT_JSONL_MAX_FILES);
  let activeBytes: number | undefined;
  // Appends of one process must not interleave, or rotation could split a batch across files mid-write.
  let previousWrite: Promise<unknown> = Promise.resolve();

  const write = async (text: string): Promise<AuditSinkResult> => {
    try {
      // Once per life of the file as this sink knows it: after a failure (the folder may be gone) it is checked again.
      if (activeBytes === undefined) {
        await mkdir(dirname(options.path), { recursive: true });
        activeBytes = await sizeOf(options.path);
      }
      const bytes = Buffer.byteLength(text, 'utf8');
      if (activeBytes > 0 && activeBytes + bytes > maxBytes) {
        await rotate(options.path, maxFiles);
        activeBytes = 0;
      }
      const file = await open(options.path, 'a');
      try {
        await file.write(text);
        await file.sync();
      } finally {
        await file.close();
      }
      activeBytes += bytes;
      return { outcome: SinkOutcome.accepted, status: 201 };
    } catch (error) {
      activeBytes = undefined;
      return {
        outcome: SinkOutcome.retry,
        status: 'io_error',
        problemDetail: error instanceof Error ? error.message : String(error),
      };
    }
  };

  return {
    name: 'jsonl-file',
    send(events) {
      const text = events.map((event) => `${JSON.stringify(event)}\n`).join('');
      const result = previousWrite.then(() => write(text));
      previousWrite = result;
      return result;
    },
  };
}
