import { ErrorCode, GatewayError } from '@gateway/contracts';
import { describe, expect, it, vi } from 'vitest';
import {
  BreakerState,
  type CircuitBreakerSettings,
  createCircuitBreaker,
  DEFAULT_CIRCUIT_BREAKER_SETTINGS,
} from './circuit-breaker.js';

const retryableFailure = new GatewayError({
  code: ErrorCode.k8sUnavailable,
  operation: 'rr.create',
  errorType: 'service_unavailable',
  retryable: true,
});
const badRequest = new GatewayError({
  code: ErrorCode.k8sBadRequest,
  operation: 'rr.create',
  errorType: 'bad_request',
  retryable: false,
});

function setup(overrides: Partial<CircuitBreakerSettings> = {}) {
  let nowMs = 1_000_000;
  let settings = { ...DEFAULT_CIRCUIT_BREAKER_SETTINGS, ...overrides };
  const states: BreakerState[] = [];
  const breaker = createCircuitBreaker({
    name: 'k8s-api',
    settings: () => settings,
    now: () => nowMs,
    onStateChange: (name, state) => {
      expect(name).toBe('k8s-api');
      states.push(state);
    },
  });
  let calls = 0;
  const succeed = () => breaker.execute('rr.create', async () => ++calls);
  const fail = (error: unknown = retryableFailure) =>
    breaker
      .execute('rr.create', async () => {
        calls++;
        throw error;
      })
      .catch((e: unknown) => e);
  return {
    breaker,
    states,
    succeed,
    fail,
    calls: () => calls,
    advance: (ms: number) => {
      nowMs += ms;
    },
    reconfigure: (next: Partial<CircuitBreakerSettings>) => {
      settings = { ...settings, ...next };
    },
  };
}

async function times(count: number, action: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < count; i++) await action();
}

describe('createCircuitBreaker', () => {
  it('stays closed below minRequests however many calls fail', async () => {
    const t = setup();
    await times(9, () => t.fail());
    expect(t.breaker.state()).toBe(BreakerState.closed);
    expect(t.states).toEqual([]);
  });

  it('opens when the failure ratio reaches the threshold and fails fast without calling', async () => {
    const t = setup();
    await times(5, t.succeed);
    await times(5, () => t.fail());
    expect(t.breaker.state()).toBe(BreakerState.open);
    const callsBefore = t.calls();
    const error = await t.succeed().catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: ErrorCode.circuitOpen,
      errorType: 'circuit_open',
      retryable: true,
      operation: 'rr.create',
    });
    expect(t.calls()).toBe(callsBefore);
    expect(t.states).toEqual([BreakerState.open]);
  });

  it('counts non-retryable errors as successes', async () => {
    const t = setup();
    await times(10, () => t.fail(badRequest));
    await times(9, () => t.fail());
    expect(t.breaker.state()).toBe(BreakerState.closed);
  });

  it('forgets failures older than the rolling window', async () => {
    const t = setup();
    await times(9, () => t.fail());
    t.advance(10_001);
    await times(9, t.succeed);
    await t.fail();
    expect(t.breaker.state()).toBe(BreakerState.closed);
  });

  it('lets halfOpenProbes calls through after openDuration and closes when all succeed', async () => {
    const t = setup();
    await times(10, () => t.fail());
    t.advance(29_999);
    await expect(t.succeed()).rejects.toMatchObject({ errorType: 'circuit_open' });
    t.advance(1);
    await times(3, t.succeed);
    expect(t.breaker.state()).toBe(BreakerState.closed);
    expect(t.states).toEqual([BreakerState.open, BreakerState.halfOpen, BreakerState.closed]);
  });

  it('admits no more than halfOpenProbes concurrent probes', async () => {
    const t = setup();
    await times(10, () => t.fail());
    t.advance(30_000);
    const release: Array<() => void> = [];
    const probes = [1, 2, 3].map(() =>
      t.breaker.execute('rr.get', () => new Promise<void>((resolve) => release.push(resolve))),
    );
    await expect(t.succeed()).rejects.toMatchObject({ errorType: 'circuit_open' });
    for (const resolve of release) resolve();
    await Promise.all(probes);
    expect(t.breaker.state()).toBe(BreakerState.closed);
  });

  it('reopens when a half-open probe fails', async () => {
    const t = setup();
    await times(10, () => t.fail());
    t.advance(30_000);
    await t.succeed();
    await t.fail();
    expect(t.breaker.state()).toBe(BreakerState.open);
    expect(t.states).toEqual([BreakerState.open, BreakerState.halfOpen, BreakerState.open]);
    await expect(t.succeed()).rejects.toMatchObject({ errorType: 'circuit_open' });
  });

  it('ignores the outcome of a call admitted before the breaker opened', async () => {
    const t = setup({ minRequests: 2 });
    let releaseSlow: (() => void) | undefined;
    const slow = t.breaker.execute('rr.get', () => new Promise<void>((resolve) => (releaseSlow = resolve)));
    await times(2, () => t.fail());
    t.advance(30_000);
    await t.succeed();
    releaseSlow?.();
    await slow;
    expect(t.breaker.state()).toBe(BreakerState.halfOpen);
  });

  it('passes every call through and closes when disabled by configuration', async () => {
    const t = setup();
    await times(10, () => t.fail());
    t.reconfigure({ enabled: false });
    await expect(t.succeed()).resolves.toBeTypeOf('number');
    expect(t.breaker.state()).toBe(BreakerState.closed);
  });
});

describe('circuit breaker active probe', () => {
  function probed(answers: boolean[]) {
    const nowMs = 1_000_000;
    const states: BreakerState[] = [];
    const probes: string[] = [];
    const breaker = createCircuitBreaker({
      name: 'k8s-api',
      settings: () => ({ ...DEFAULT_CIRCUIT_BREAKER_SETTINGS, minRequests: 2, probeIntervalMs: 20 }),
      now: () => nowMs,
      onStateChange: (_name, state) => states.push(state),
      probe: async () => {
        if (!(answers.shift() ?? true)) throw retryableFailure;
      },
      onProbe: (_name, result) => probes.push(result),
    });
    const fail = () =>
      breaker
        .execute('rr.create', async () => {
          throw retryableFailure;
        })
        .catch(() => undefined);
    return { breaker, states, probes, fail };
  }

  it('half-opens as soon as a probe succeeds, long before openDuration', async () => {
    const { breaker, states, probes, fail } = probed([false, false, true]);
    await times(2, fail);
    expect(breaker.state()).toBe(BreakerState.open);
    await vi.waitFor(() => expect(breaker.state()).toBe(BreakerState.halfOpen), { timeout: 5000 });
    expect(probes).toEqual(['failure', 'failure', 'success']);
    expect(states).toEqual([BreakerState.open, BreakerState.halfOpen]);
    await times(3, () => breaker.execute('rr.create', async () => 'ok'));
    expect(breaker.state()).toBe(BreakerState.closed);
  });
});

describe('circuit breaker open phase without calls', () => {
  // A paused worker makes no calls, so nothing but the breaker's own timer may end the open phase.
  function opened(options: { probe?: () => Promise<void>; openDurationMs: number }) {
    const states: BreakerState[] = [];
    const breaker = createCircuitBreaker({
      name: 'k8s-api',
      settings: () => ({
        ...DEFAULT_CIRCUIT_BREAKER_SETTINGS,
        minRequests: 2,
        probeIntervalMs: 20,
        openDurationMs: options.openDurationMs,
      }),
      onStateChange: (_name, state) => states.push(state),
      ...(options.probe ? { probe: options.probe } : {}),
    });
    const fail = () =>
      breaker
        .execute('rr.create', async () => {
          throw retryableFailure;
        })
        .catch(() => undefined);
    return { breaker, states, fail };
  }

  it('half-opens after openDuration when every probe fails', async () => {
    let probes = 0;
    const { breaker, states, fail } = opened({
      openDurationMs: 300,
      probe: async () => {
        probes++;
        throw retryableFailure;
      },
    });
    await times(2, fail);
    await vi.waitFor(() => expect(breaker.state()).toBe(BreakerState.halfOpen), { timeout: 5000 });
    expect(probes).toBeGreaterThan(0);
    expect(states).toEqual([BreakerState.open, BreakerState.halfOpen]);
  });

  it('half-opens after openDuration when there is no probe', async () => {
    const { breaker, fail } = opened({ openDurationMs: 100 });
    await times(2, fail);
    expect(breaker.state()).toBe(BreakerState.open);
    await vi.waitFor(() => expect(breaker.state()).toBe(BreakerState.halfOpen), { timeout: 5000 });
  });

  it('keeps probing the current open phase when a probe of an earlier phase fails late', async () => {
    const settings = {
      ...DEFAULT_CIRCUIT_BREAKER_SETTINGS,
      minRequests: 2,
      probeIntervalMs: 20,
      openDurationMs: 60_000,
    };
    let releaseFirst: (() => void) | undefined;
    let probes = 0;
    const breaker = createCircuitBreaker({
      name: 'k8s-api',
      settings: () => settings,
      // The first probe hangs until the breaker has moved to a later open phase; later ones succeed.
      probe: () => {
        probes++;
        if (probes > 1) return Promise.resolve();
        return new Promise<void>((_resolve, reject) => {
          releaseFirst = () => reject(retryableFailure);
        });
      },
    });
    const failing = (before: () => void = () => {}) =>
      breaker
        .execute('rr.create', async () => {
          before();
          throw retryableFailure;
        })
        .catch(() => undefined);
    await times(2, () => failing());
    await vi.waitFor(() => expect(releaseFirst).toBeDefined(), { timeout: 5000 });
    // A call after openDuration half-opens the breaker and, failing, opens a second phase.
    settings.openDurationMs = 0;
    await failing(() => {
      settings.openDurationMs = 60_000;
    });
    expect(breaker.state()).toBe(BreakerState.open);
    releaseFirst?.();
    await vi.waitFor(() => expect(breaker.state()).toBe(BreakerState.halfOpen), { timeout: 5000 });
    expect(probes).toBe(2);
  });
});
