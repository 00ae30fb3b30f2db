/** Keeps the last `maxLines` complete lines of a child's stdout and stderr, interleaved in arrival order. */
export interface OutputTail {
  push(stream: 'stdout' | 'stderr', chunk: Buffer | string): void;
  /** Flushes a trailing partial line (call when the stream ends). */
  end(stream: 'stdout' | 'stderr'): void;
  lines(): string[];
}

export function createOutputTail(maxLines: number): OutputTail {
  const lines: string[] = [];
  const partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  const add = (stream: 'stdout' | 'stderr', line: string): void => {
    if (line.length === 0) return;
    // Truncate pathological lines (a dumped payload) so the tail stays small and readable.
    lines.push(`${stream === 'stderr' ? '!' : ' '} ${line.length > 2000 ? `${line.slice(0, 2000)}…` : line}`);
    if (lines.length > maxLines) lines.splice(0, lines.length - maxLines);
  };
  return {
    push(stream, chunk) {
      const parts = (partial[stream] + chunk.toString()).split('\n');
      partial[stream] = parts.pop() ?? '';
      for (const part of parts) add(stream, part.replace(/\r$/, ''));
    },
    end(stream) {
      add(stream, partial[stream]);
      partial[stream] = '';
    },
    lines: () => [...lines],
  };
}
