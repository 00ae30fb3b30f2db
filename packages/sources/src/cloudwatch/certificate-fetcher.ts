import { X509Certificate } from 'node:crypto';
import type { HttpsGet } from './https-get.js';

/** A signing certificate by URL; rejects when it cannot be fetched or parsed (the sender should retry). */
export type CertificateFetcher = (url: URL) => Promise<X509Certificate>;

export interface CertificateFetcherSettings {
  httpsGet: HttpsGet;
  now(): Date;
  maxEntries?: number;
  ttlMs?: number;
}

/** Cache of 100 certificates for 24 h; SNS signs with few certificates, rotated rarely. */
export const CERTIFICATE_CACHE_ENTRIES = 100;
export const CERTIFICATE_CACHE_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Caches fetched certificates per URL, least recently used evicted first. Validity dates are not checked here:
 * a cached certificate can expire, so the verifier checks them on every use.
 */
export function createCertificateFetcher(settings: CertificateFetcherSettings): CertificateFetcher {
  const maxEntries = settings.maxEntries ?? CERTIFICATE_CACHE_ENTRIES;
  const ttlMs = settings.ttlMs ?? CERTIFICATE_CACHE_TTL_MS;
  const cache = new Map<string, { certificate: X509Certificate; expiresAt: number }>();

  return async (url) => {
    const key = url.href;
    const nowMs = settings.now().getTime();
    const hit = cache.get(key);
    cache.delete(key);
    if (hit && hit.expiresAt > nowMs) {
      cache.set(key, hit);
      return hit.certificate;
    }
    const certificate = new X509Certificate(await settings.httpsGet(url));
    cache.set(key, { certificate, expiresAt: nowMs + ttlMs });
    for (const oldest of cache.keys()) {
      if (cache.size <= maxEntries) break;
      cache.delete(oldest);
    }
    return certificate;
  };
}
