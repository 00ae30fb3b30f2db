import { ErrorCode, GatewayError } from '@gateway/contracts';
import { KubeErrorType } from './kube-error-type.js';

/** Values of the `gateway_circuit_breaker_state{name}` gauge (docs/kubernetes-access.md#circuit-breaker). */
export const BreakerState = { closed: 0, halfOpen: 1, open: 2 } as const;
export type BreakerState = (typeof BreakerState)[keyof typeof BreakerState];

/** `circuitBreaker.*`, in milliseconds. */
export interface CircuitBreakerSettings {
  enabled: boolean;
  windowMs: number;
  minRequests: number;
  failureRatio: number;
  openDurationMs: number;
  halfOpenProbes: number;
  /** While open, the active probe goes out this often. */
  probeIntervalMs: number;
}

export const DEFAULT_CIRCUIT_BREAKER_SETTINGS: CircuitBreakerSettings = {
  enabled: true,
  windowMs: 10_000,
  minRequests: 10,
  failureRatio: 0.5,
  openDurationMs: 30_000,
  halfOpenProbes: 3,
  probeIntervalMs: 1000,
};

export type ProbeResult = 'success' | 'failure';

export interface CircuitBreakerOptions {
  /** `k8s-api` for the hub, `k8s-api:<clusterId>` otherwise. */
  name: string;
  /** Read on every call, so a configuration reload applies to the next call. */
  settings: () => CircuitBreakerSettings;
  now?: () => number;
  onStateChange?(name: string, state: BreakerState): void;
  /** Which thrown errors count as failures; by default retryable GatewayErrors and anything unclassified. */
  isFailure?(error: unknown): boolean;
  /**
   * A lightweight request to the API that resolves when it answered. Without one, the breaker only half-opens
   * once `openDurationMs` has passed.
   */
  probe?(): Promise<void>;
  onProbe?(name: string, result: ProbeResult): void;
}

export interface CircuitBreaker {
  readonly name: string;
  state(): BreakerState;
  /** Runs `call`, or throws a retryable `ERR_CIRCUIT_BREAKER_OPEN` GatewayError without calling it. */
  execute<T>(operation: string, call: () => Promise<T>): Promise<T>;
}

/** Outcomes of one slice of the rolling window. */
interface Bucket {
  startMs: number;
  calls: number;
  failures: number;
}

const BUCKETS_PER_WINDOW = 10;

/**
 * One breaker per cluster (docs/kubernetes-access.md#circuit-breaker). Closed: outcomes go into a rolling window
 * of ten buckets; with at least `minRequests` calls and a failure ratio at or above `failureRatio` it opens.
 * Open: calls fail fast until `openDurationMs` has passed.
 * While open, `probe` runs every `probeIntervalMs` (one at a time) and its first success half-opens at once, so
 * the breaker follows the API's return within a probe interval instead of waiting out `openDurationMs`; without a
 * successful probe it half-opens when `openDurationMs` has passed.
 * Half-open: `halfOpenProbes` calls are let through; all succeed → closed, any fails → open again. Outcomes of
 * calls admitted before the last state change are ignored, so a slow call from a previous phase cannot
 * close or reopen the breaker.
 */
export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  const now = options.now ?? Date.now;
  const isFailure = options.isFailure ?? defaultIsFailure;
  let state: BreakerState = BreakerState.closed;
  let epoch = 0;
  let openedAtMs = 0;
  let buckets: Bucket[] = [];
  let probesAdmitted = 0;
  let probesSucceeded = 0;
  let probeTimer: NodeJS.Timeout | undefined;

  function transition(next: BreakerState): void {
    state = next;
    epoch++;
    buckets = [];
    probesAdmitted = 0;
    probesSucceeded = 0;
    if (next === BreakerState.open) {
      openedAtMs = now();
      scheduleProbe(epoch);
    }
    options.onStateChange?.(options.name, next);
  }

  /**
   * Drives the open phase `openEpoch` to half-open: a probe every `probeIntervalMs` (its first success half-opens
   * at once), and half-open anyway once `openDurationMs` has passed. This runs on a timer rather than on the next
   * call because a paused worker makes no calls. A probe settling after its phase ended changes nothing.
   */
  function scheduleProbe(openEpoch: number): void {
    const probe = options.probe;
    const settings = options.settings();
    const untilHalfOpenMs = Math.max(0, openedAtMs + settings.openDurationMs - now());
    clearTimeout(probeTimer);
    probeTimer = setTimeout(
      () => {
        if (epoch !== openEpoch) return;
        if (!probe || now() - openedAtMs >= options.settings().openDurationMs) {
          transition(BreakerState.halfOpen);
          return;
        }
        probe().then(
          () => {
            options.onProbe?.(options.name, 'success');
            if (epoch === openEpoch) transition(BreakerState.halfOpen);
          },
          () => {
            options.onProbe?.(options.name, 'failure');
            if (epoch === openEpoch) scheduleProbe(openEpoch);
          },
        );
      },
      probe ? Math.min(settings.probeIntervalMs, untilHalfOpenMs) : untilHalfOpenMs,
    );
    // A pending probe must not keep a stopping process alive.
    probeTimer.unref();
  }

  function record(failed: boolean, settings: CircuitBreakerSettings): void {
    const nowMs = now();
    const bucketMs = Math.max(1, Math.floor(settings.windowMs / BUCKETS_PER_WINDOW));
    const startMs = nowMs - (nowMs % bucketMs);
    buckets = buckets.filter((bucket) => bucket.startMs > nowMs - settings.windowMs);
    let bucket = buckets.at(-1);
    if (bucket?.startMs !== startMs) {
      bucket = { startMs, calls: 0, failures: 0 };
      buckets.push(bucket);
    }
    bucket.calls++;
    if (failed) bucket.failures++;
    const calls = buckets.reduce((sum, b) => sum + b.calls, 0);
    const failures = buckets.reduce((sum, b) => sum + b.failures, 0);
    if (calls >= settings.minRequests && failures / calls >= settings.failureRatio) transition(BreakerState.open);
  }

  function settle(admittedEpoch: number, failed: boolean, settings: CircuitBreakerSettings): void {
    if (admittedEpoch !== epoch) return;
    if (state === BreakerState.closed) {
      record(failed, settings);
    } else if (state === BreakerState.halfOpen) {
      if (failed) transition(BreakerState.open);
      else if (++probesSucceeded >= settings.halfOpenProbes) transition(BreakerState.closed);
    }
  }

  function admit(operation: string, settings: CircuitBreakerSettings): void {
    if (state === BreakerState.open && now() - openedAtMs >= settings.openDurationMs) transition(BreakerState.halfOpen);
    if (state === BreakerState.closed) return;
    if (state === BreakerState.halfOpen && probesAdmitted < settings.halfOpenProbes) {
      probesAdmitted++;
      return;
    }
    throw new GatewayError({
      code: ErrorCode.circuitOpen,
      operation,
      errorType: KubeErrorType.circuitOpen,
      retryable: true,
    });
  }

  return {
    name: options.name,
    state: () => state,
    async execute<T>(operation: string, call: () => Promise<T>): Promise<T> {
      const settings = options.settings();
      if (!settings.enabled) {
        if (state !== BreakerState.closed) transition(BreakerState.closed);
        return call();
      }
      admit(operation, settings);
      const admittedEpoch = epoch;
      try {
        const result = await call();
        settle(admittedEpoch, false, settings);
        return result;
      } catch (error) {
        settle(admittedEpoch, isFailure(error), settings);
        throw error;
      }
    },
  };
}

function defaultIsFailure(error: unknown): boolean {
  return !(error instanceof GatewayError) || error.retryable;
}
