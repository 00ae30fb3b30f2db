const BUCKET_MS = 10_000;

/**
 * Duplicates over firing decisions per strategy over a sliding window, in buckets of 10 s: memory stays bounded
 * whatever the signal rate, and the ratio lags the truth by at most one bucket.
 */
export function createDedupRatio(options: { windowMs: number; nowMs(): number }) {
  const buckets = new Map<string, { startMs: number; firing: number; duplicates: number }[]>();

  function prune(strategy: string, nowMs: number) {
    const kept = (buckets.get(strategy) ?? []).filter((bucket) => bucket.startMs > nowMs - options.windowMs);
    buckets.set(strategy, kept);
    return kept;
  }

  return {
    record(strategy: string, duplicate: boolean): void {
      const nowMs = options.nowMs();
      const kept = prune(strategy, nowMs);
      const startMs = nowMs - (nowMs % BUCKET_MS);
      let bucket = kept.at(-1);
      if (bucket?.startMs !== startMs) {
        bucket = { startMs, firing: 0, duplicates: 0 };
        kept.push(bucket);
      }
      bucket.firing++;
      if (duplicate) bucket.duplicates++;
    },
    /** Strategies with firing decisions in the window, and their ratio. */
    ratios(): Map<string, number> {
      const nowMs = options.nowMs();
      const ratios = new Map<string, number>();
      for (const strategy of [...buckets.keys()]) {
        const kept = prune(strategy, nowMs);
        const firing = kept.reduce((sum, bucket) => sum + bucket.firing, 0);
        if (firing === 0) buckets.delete(strategy);
        else ratios.set(strategy, kept.reduce((sum, bucket) => sum + bucket.duplicates, 0) / firing);
      }
      return ratios;
    },
  };
}
