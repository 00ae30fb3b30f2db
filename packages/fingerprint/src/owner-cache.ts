import type { OwnerLookupUnavailable, OwnerRef } from './fingerprinter.js';

/** What the API answered for an object: its controller (or none), or why it could not say. */
export type CachedAnswer = { owner: OwnerRef | null } | { unavailable: OwnerLookupUnavailable['reason'] };

interface Entry {
  answer: CachedAnswer;
  expiresAtMs: number;
}

export interface OwnerCacheLimits {
  /** Entries per cluster. */
  size: number;
  ttlMs: number;
  negativeTtlMs: number;
}

export interface OwnerCache {
  get(clusterId: string, key: string, nowMs: number): CachedAnswer | undefined;
  set(clusterId: string, key: string, answer: CachedAnswer, nowMs: number, limits: OwnerCacheLimits): void;
}

/**
 * One LRU per cluster, so a noisy cluster cannot evict another's owners. A Map keeps insertion order: a hit is
 * re-inserted at the end and the first key is the least recently used. Answers the API could not give
 * (`unavailable`) live `negativeTtlMs`, so a missing or forbidden object is not asked for on every signal while
 * the name heuristics stand in.
 */
export function createOwnerCache(): OwnerCache {
  const clusters = new Map<string, Map<string, Entry>>();
  return {
    get(clusterId, key, nowMs) {
      const entries = clusters.get(clusterId);
      const entry = entries?.get(key);
      if (!entries || !entry) return undefined;
      entries.delete(key);
      if (entry.expiresAtMs <= nowMs) return undefined;
      entries.set(key, entry);
      return entry.answer;
    },
    set(clusterId, key, answer, nowMs, limits) {
      const ttlMs = 'owner' in answer ? limits.ttlMs : limits.negativeTtlMs;
      let entries = clusters.get(clusterId);
      if (!entries) {
        entries = new Map();
        clusters.set(clusterId, entries);
      }
      entries.delete(key);
      if (ttlMs <= 0) return;
      entries.set(key, { answer, expiresAtMs: nowMs + ttlMs });
      // A reload may shrink the size: evict down to it, oldest first.
      for (const oldest of entries.keys()) {
        if (entries.size <= limits.size) break;
        entries.delete(oldest);
      }
    },
  };
}
