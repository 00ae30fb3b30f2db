import { readFile } from 'node:fs/promises';

export const DEFAULT_TOKEN_REFRESH_INTERVAL_MS = 60_000;

export interface TokenFileReaderOptions {
  path: string;
  refreshIntervalMs?: number;
  now?: () => number;
}

/**
 * Service-account tokens are rotated on disk by the kubelet, so the file is read again after a while rather
 * than once; between reads the cached value avoids a file read per batch. A missing file means "no token".
 */
export function createTokenFileReader(options: TokenFileReaderOptions): () => Promise<string | undefined> {
  const refreshIntervalMs = options.refreshIntervalMs ?? DEFAULT_TOKEN_REFRESH_INTERVAL_MS;
  const now = options.now ?? Date.now;
  let cached: { token: string | undefined; readAtMs: number } | undefined;
  return async () => {
    if (cached && now() - cached.readAtMs < refreshIntervalMs) return cached.token;
    let token: string | undefined;
    try {
      token = (await readFile(options.path, 'utf8')).trim() || undefined;
    } catch {
      token = undefined;
    }
    cached = { token, readAtMs: now() };
    return token;
  };
}
