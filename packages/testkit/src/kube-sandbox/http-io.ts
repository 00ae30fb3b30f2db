import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeStatus } from './status.js';

/** Bodies above this are refused like the API server's request size limit (3 MiB). */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function sendJson(
  res: ServerResponse,
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(statusCode, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendStatus(res: ServerResponse, status: KubeStatus): void {
  const retryAfter = status.details?.retryAfterSeconds;
  sendJson(res, status.code, status, retryAfter !== undefined ? { 'Retry-After': String(retryAfter) } : {});
}
