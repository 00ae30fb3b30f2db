export type LimitedBody = { ok: true; bytes: Uint8Array } | { ok: false; reason: 'too-large' };

/**
 * Reads a request body but never more than `limitBytes` (+1 to detect the overflow): a declared
 * Content-Length over the limit is refused before reading, and a stream without one is cut at the limit,
 * so a huge or endless body costs at most the limit in memory.
 */
export async function readLimitedBody(
  request: Request,
  limitBytes: number,
  signal?: AbortSignal,
): Promise<LimitedBody> {
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > limitBytes) {
    return { ok: false, reason: 'too-large' };
  }
  if (request.body === null) return { ok: true, bytes: new Uint8Array(0) };
  const reader = request.body.getReader();
  // Cancelling the stream ends the pending read, so an abandoned request stops waiting for the rest.
  const abandon = () => void reader.cancel().catch(() => undefined);
  if (signal?.aborted) abandon();
  signal?.addEventListener('abort', abandon, { once: true });
  try {
    return await readChunks(reader, limitBytes, signal);
  } finally {
    signal?.removeEventListener('abort', abandon);
  }
}

async function readChunks(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  limitBytes: number,
  signal: AbortSignal | undefined,
): Promise<LimitedBody> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    // A cancelled stream reads as ended: what arrived is only part of the body and must never be parsed.
    if (signal?.aborted) throw new Error('the request body was abandoned after the request timed out');
    if (done) break;
    total += value.byteLength;
    if (total > limitBytes) {
      await reader.cancel().catch(() => undefined);
      return { ok: false, reason: 'too-large' };
    }
    chunks.push(value);
  }
  return { ok: true, bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total) };
}
