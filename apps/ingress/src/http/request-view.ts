import type { IncomingMessage } from 'node:http';
import { type LimitedBody, readLimitedBody } from './read-limited-body.js';

/**
 * The request as the signal path reads it: header values and the body. Behind @hono/node-server it reads Node's
 * IncomingMessage directly, because touching `c.req.raw.headers` or `.body` there builds a full web `Request` and
 * a web stream per request, which cost the ingress about a sixth of its CPU; under `app.request` (no Node request)
 * it reads the web `Request`. Both give the same values: names are case-insensitive and repeated fields are joined
 * with ", " as the Fetch standard's `Headers.get` joins them (Node's own `headers` object would keep only the first
 * of a repeated Authorization or Content-Type).
 */
export interface RequestView {
  header(name: string): string | undefined;
  /** Every field, lower-case names, repeated ones joined. */
  headers(): Record<string, string>;
  /** `signal` abandons the read (the request already got its timeout answer): the promise rejects at once. */
  readBody(limitBytes: number, signal?: AbortSignal): Promise<LimitedBody>;
}

function joinRawHeaders(raw: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = Object.create(null);
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    const previous = headers[name];
    headers[name] = previous === undefined ? value : `${previous}, ${value}`;
  }
  return headers;
}

const ABANDONED = 'the request body was abandoned after the request timed out';

function readNodeBody(incoming: IncomingMessage, limitBytes: number, signal?: AbortSignal): Promise<LimitedBody> {
  const declared = incoming.headers['content-length'];
  if (declared !== undefined && /^\d+$/.test(declared.trim()) && Number(declared) > limitBytes) {
    return Promise.resolve({ ok: false, reason: 'too-large' });
  }
  // A client that left while the request waited (auth, rate limit) has already closed it: no 'close' would come.
  if (incoming.destroyed) return Promise.reject(new Error('the request body was cut off before its end'));
  if (signal?.aborted) return Promise.reject(new Error(ABANDONED));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const cleanup = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
      signal?.removeEventListener('abort', onAbort);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.byteLength;
      if (total > limitBytes) {
        cleanup();
        // As cancelling the web body stream does: the rest of an oversized body is not read. Destroying the
        // request would close the connection before the 413 is written; @hono/node-server drains or closes the
        // connection once the answer is out.
        incoming.pause();
        resolve({ ok: false, reason: 'too-large' });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve({ ok: true, bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total) });
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onClose = () => {
      if (incoming.complete) return;
      cleanup();
      reject(new Error('the request body was cut off before its end'));
    };
    // Ends the read, and with it the request's in-flight slot, however slowly the rest arrives; what still arrives
    // is discarded (flowing with no data listener) until Node's own request timeout closes the connection.
    const onAbort = () => {
      cleanup();
      incoming.resume();
      reject(new Error(ABANDONED));
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function nodeRequestView(incoming: IncomingMessage): RequestView {
  let headers: Record<string, string> | undefined;
  const all = () => {
    headers ??= joinRawHeaders(incoming.rawHeaders);
    return headers;
  };
  return {
    header: (name) => all()[name.toLowerCase()],
    headers: () => ({ ...all() }),
    readBody: (limitBytes, signal) => readNodeBody(incoming, limitBytes, signal),
  };
}

export function webRequestView(request: Request): RequestView {
  return {
    header: (name) => request.headers.get(name) ?? undefined,
    // Not Object.fromEntries: Headers iterates Set-Cookie field by field, which would keep only the last one.
    headers: () => ({ ...joinRawHeaders([...request.headers].flat()) }),
    readBody: (limitBytes, signal) => readLimitedBody(request, limitBytes, signal),
  };
}
