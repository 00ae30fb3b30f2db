import type { AutoRollbackConfig } from '@gateway/config';

/** Outcomes are counted in buckets of this width; the check runs once per bucket. */
export const ROLLBACK_BUCKET_MS = 10_000;
/** The error ratio before a reload is its baseline, measured over this long. */
export const ROLLBACK_BASELINE_MS = 5 * 60_000;

export interface RollbackTrip {
  /** The hash the guard was watching: the reload to undo. */
  configHash: string;
  errors: number;
  requests: number;
  ratio: number;
  threshold: number;
  elapsedMs: number;
  /** `automatic rollback: error ratio 0.214 (45/210) exceeded 0.050 within 2m10s of reload <hash>`. */
  reason: string;
}

export interface RollbackGuardOptions {
  /** Read at each check, so `reload.autoRollback.*` changes apply to the next one. */
  settings(): AutoRollbackConfig;
  nowMs(): number;
}

export interface RollbackGuard {
  /** One finished request or job. */
  record(isError: boolean): void;
  /** Starts watching the reload that installed `configHash`, against the error ratio before it. */
  reloaded(configHash: string): void;
  /** Stops watching (a rollback or a newer reload took over). */
  forget(): void;
  /** Called every `ROLLBACK_BUCKET_MS`; returns the trip when the reload must be undone. */
  check(): RollbackTrip | undefined;
}

interface Bucket {
  startMs: number;
  requests: number;
  errors: number;
}

function ratioText(ratio: number): string {
  return ratio.toFixed(3);
}

/** `2m10s`, `45s`: how long after the reload the guard tripped. */
function elapsedText(elapsedMs: number): string {
  const seconds = Math.round(elapsedMs / 1000);
  const minutes = Math.floor(seconds / 60);
  return minutes === 0 ? `${seconds}s` : `${minutes}m${seconds % 60}s`;
}

/**
 * Per-process error ratio after a reload against the ratio before it (docs/configuration.md#automatic-rollback).
 * The baseline counts only when it rests on `minRequests`; otherwise it is 0, so a quiet process still needs
 * `minIncrease` more errors than nothing.
 */
export function createRollbackGuard(options: RollbackGuardOptions): RollbackGuard {
  const buckets: Bucket[] = [];
  let watching: { configHash: string; sinceMs: number; baseline: number; requests: number; errors: number } | undefined;

  const bucketAt = (nowMs: number): Bucket => {
    const startMs = nowMs - (nowMs % ROLLBACK_BUCKET_MS);
    const last = buckets.at(-1);
    if (last?.startMs === startMs) return last;
    const bucket = { startMs, requests: 0, errors: 0 };
    buckets.push(bucket);
    while ((buckets[0]?.startMs ?? startMs) < startMs - ROLLBACK_BASELINE_MS) buckets.shift();
    return bucket;
  };

  return {
    record(isError) {
      const bucket = bucketAt(options.nowMs());
      bucket.requests += 1;
      if (isError) bucket.errors += 1;
      if (watching) {
        watching.requests += 1;
        if (isError) watching.errors += 1;
      }
    },
    reloaded(configHash) {
      const nowMs = options.nowMs();
      const settings = options.settings();
      let requests = 0;
      let errors = 0;
      for (const bucket of buckets) {
        if (bucket.startMs < nowMs - ROLLBACK_BASELINE_MS) continue;
        requests += bucket.requests;
        errors += bucket.errors;
      }
      const baseline = requests >= settings.minRequests ? errors / requests : 0;
      watching = { configHash, sinceMs: nowMs, baseline, requests: 0, errors: 0 };
    },
    forget() {
      watching = undefined;
    },
    check() {
      if (!watching) return undefined;
      const settings = options.settings();
      const elapsedMs = options.nowMs() - watching.sinceMs;
      if (!settings.enabled || elapsedMs > settings.window) {
        watching = undefined;
        return undefined;
      }
      const { requests, errors, baseline, configHash } = watching;
      if (requests < settings.minRequests || errors < settings.minErrors) return undefined;
      const ratio = errors / requests;
      const threshold = Math.max(baseline * settings.factor, baseline + settings.minIncrease);
      if (ratio < threshold) return undefined;
      watching = undefined;
      return {
        configHash,
        errors,
        requests,
        ratio,
        threshold,
        elapsedMs,
        reason: `automatic rollback: error ratio ${ratioText(ratio)} (${errors}/${requests}) exceeded ${ratioText(threshold)} within ${elapsedText(elapsedMs)} of reload ${configHash}`,
      };
    },
  };
}
