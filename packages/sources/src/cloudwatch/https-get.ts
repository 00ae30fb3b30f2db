import type { LookupAddress, LookupOptions } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns';
import { request } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';

/**
 * GET over HTTPS that never follows redirects and bounds time and size; resolves the body of a 2xx answer and
 * rejects with `HttpsGetError` for anything else. Callers check the URL before they call.
 */
export type HttpsGet = (url: URL) => Promise<Uint8Array>;

export class HttpsGetError extends Error {
  override readonly name = 'HttpsGetError';
}

export interface HttpsGetSettings {
  /** PEM trust anchors replacing the system CAs; absent = system CAs. */
  ca?: string;
  /** Host → IP overrides, so tests reach a loopback server under a real-looking host name. */
  resolve?: Readonly<Record<string, string>>;
  timeoutMs?: number;
  maxBytes?: number;
}

/**
 * Limits of SNS certificate and confirmation fetches: 5 s and 64 KiB, enough for a PEM certificate or a confirmation
 * answer.
 */
export const HTTPS_GET_TIMEOUT_MS = 5_000;
export const HTTPS_GET_MAX_BYTES = 64 * 1024;

export function createHttpsGet(settings: HttpsGetSettings = {}): HttpsGet {
  const timeoutMs = settings.timeoutMs ?? HTTPS_GET_TIMEOUT_MS;
  const maxBytes = settings.maxBytes ?? HTTPS_GET_MAX_BYTES;
  const lookup = settings.resolve ? overridingLookup(settings.resolve) : undefined;

  return (url) =>
    new Promise<Uint8Array>((resolve, reject) => {
      if (url.protocol !== 'https:') {
        reject(new HttpsGetError(`refusing ${url.protocol} URL: only https is allowed`));
        return;
      }
      const req = request(url, {
        method: 'GET',
        ...(settings.ca !== undefined ? { ca: settings.ca } : {}),
        ...(lookup ? { lookup } : {}),
        // A pooled socket could outlive a reload that changed the trust anchors.
        agent: false,
      });
      // One deadline for connect, TLS and body: a slow drip must not hold the request past the sender's timeout.
      const timer = setTimeout(
        () => req.destroy(new HttpsGetError(`no complete answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const fail = (error: Error) => {
        clearTimeout(timer);
        reject(error instanceof HttpsGetError ? error : new HttpsGetError(error.message));
      };
      req.on('error', fail);
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) {
          res.resume();
          req.destroy(new HttpsGetError(`answered HTTP ${status}`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            req.destroy(new HttpsGetError(`answer exceeds ${maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', fail);
        res.on('end', () => {
          clearTimeout(timer);
          resolve(new Uint8Array(Buffer.concat(chunks)));
        });
      });
      req.end();
    });
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family: number) => void;

function overridingLookup(table: Readonly<Record<string, string>>): LookupFunction {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    const address = table[hostname];
    if (address === undefined) {
      dnsLookup(hostname, options, callback);
      return;
    }
    const family = isIP(address);
    // Node asks for every address when it races IPv4 and IPv6 (autoSelectFamily); the answer shape follows `all`.
    if (options.all) callback(null, [{ address, family }], family);
    else callback(null, address, family);
  };
}
