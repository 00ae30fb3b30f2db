import { BreakerState } from '../kube/circuit-breaker.js';

/** The parts of a BullMQ Worker and Queue the gate drives. */
export interface GatedConsumer {
  isRunning(): boolean;
  pause(doNotWaitActive?: boolean): Promise<void>;
  resume(): Promise<void>;
}

export interface BreakerGateDeps {
  worker: GatedConsumer;
  /** Moves every delayed job to waiting, so nothing waits out a backoff that the outage grew. */
  promoteDelayed(): Promise<void>;
  onError(err: unknown): void;
}

/**
 * Couples job consumption to the Kubernetes breaker: while it is open the worker takes no new jobs (every one
 * would fail fast and be parked), from half-open on it takes them again so they can close the breaker, and once
 * closed every delayed job is promoted at once. A worker that has not started yet is left alone: starting it is
 * the composition root's decision, made after the informers synced.
 */
export function createBreakerGate(deps: BreakerGateDeps) {
  let pausedByGate = false;
  return (state: BreakerState): void => {
    if (state === BreakerState.open) {
      if (pausedByGate || !deps.worker.isRunning()) return;
      pausedByGate = true;
      deps.worker.pause(true).catch(deps.onError);
      return;
    }
    if (pausedByGate) {
      pausedByGate = false;
      deps.worker.resume().catch(deps.onError);
    }
    if (state === BreakerState.closed) deps.promoteDelayed().catch(deps.onError);
  };
}
