import { isTerminalPhase } from '@gateway/contracts';
import type { RemediationClient, RemediationIndex } from '../pipeline/ports.js';
import type { WindowStore } from '../pipeline/window-store.js';

export interface WindowReconcilerSettings {
  intervalMs: number;
  pendingClaimTimeoutMs: number;
}

export interface ReconcilerLock {
  /** True when this process may run the round; the lock expires by itself so a dead holder never blocks. */
  acquire(ttlMs: number): Promise<boolean>;
}

export interface WindowReconcilerDeps {
  store: WindowStore;
  index: RemediationIndex;
  client: RemediationClient;
  /** Whether the BullMQ job that claimed a window may still run (waiting, delayed, active). */
  jobMayRun(jobId: string): Promise<boolean>;
  lock: ReconcilerLock;
  settings(): WindowReconcilerSettings;
  now(): number;
  onError?(err: unknown): void;
}

export interface ReconcileRound {
  released: number;
  closed: number;
}

/**
 * The window reconciler frees windows whose claimer died for good and closes windows whose RR ended while
 * no informer event reached us. A window is only closed as "gone" after the API itself says 404, never on
 * the informer cache alone: a fresh RR may not have reached the cache yet, and closing its window early
 * would let the next signal create a second RR.
 */
export function createWindowReconciler(deps: WindowReconcilerDeps) {
  async function runOnce(): Promise<ReconcileRound> {
    const round = { released: 0, closed: 0 };
    const { intervalMs, pendingClaimTimeoutMs } = deps.settings();
    for await (const window of deps.store.listWindows()) {
      const ageMs = deps.now() - window.firstMs;
      if (window.state === 'pending') {
        if (ageMs > pendingClaimTimeoutMs && !(await deps.jobMayRun(window.ownerJob))) {
          await deps.store.release(window.fingerprint, window.owner, []);
          round.released += 1;
        }
        continue;
      }
      const cached = deps.index.byFingerprint(window.fingerprint).find((rr) => rr.name === window.rr);
      if (cached?.terminal) {
        if (await deps.store.close(window.fingerprint, window.rr, true, deps.now())) round.closed += 1;
        continue;
      }
      if (cached || ageMs < 2 * intervalMs) continue;
      const live = await deps.client.get(window.namespace, window.rr);
      if (!live || isTerminalPhase(live.status?.overallPhase)) {
        if (await deps.store.close(window.fingerprint, window.rr, live !== undefined, deps.now())) round.closed += 1;
      }
    }
    return round;
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;
  return {
    runOnce,
    start(): void {
      const tick = (): void => {
        if (stopped) return;
        const { intervalMs } = deps.settings();
        timer = setTimeout(() => {
          running = deps.lock
            .acquire(intervalMs)
            .then((held) => (held ? runOnce() : undefined))
            .catch((err: unknown) => deps.onError?.(err))
            .finally(tick);
        }, intervalMs);
        timer.unref();
      };
      tick();
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
