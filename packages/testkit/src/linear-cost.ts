/**
 * Cost ratio a linear-time function stays under when its input grows 8×. Linear gives ~8; quadratic gives ~64 and
 * exponential far more, while 24 leaves room for a busy 2-core machine and for caches that fit the small input only.
 */
export const LINEAR_COST_MAX_RATIO = 24;

export const LINEAR_COST_GROWTH = 8;

export interface LinearCostOptions {
  /** Size of the small input; the large one is `GROWTH × n`. */
  n: number;
  /** Rounds per size; the fastest round counts, since noise only ever adds time. */
  rounds?: number;
  /** Each round of the small input runs at least this long, so timer resolution does not matter. */
  minRoundMs?: number;
}

export interface LinearCost {
  /** Fastest round on the `8n` input over the fastest round on the `n` input. */
  ratio: number;
  smallMs: number;
  largeMs: number;
}

/**
 * Measures how the cost of `fn` grows between `input(n)` and `input(8n)`: a ratio, not a wall-clock bound, so it
 * holds on slow and loaded machines alike. Rounds alternate between the two sizes so a burst of load hits both.
 */
export function measureLinearCost<T>(
  fn: (input: T) => unknown,
  input: (size: number) => T,
  options: LinearCostOptions,
): LinearCost {
  const rounds = options.rounds ?? 5;
  const minRoundMs = options.minRoundMs ?? 3;
  const small = input(options.n);
  const large = input(options.n * LINEAR_COST_GROWTH);
  const iterations = calibrate(fn, small, minRoundMs);
  fn(large);
  let smallMs = Number.POSITIVE_INFINITY;
  let largeMs = Number.POSITIVE_INFINITY;
  for (let round = 0; round < rounds; round++) {
    smallMs = Math.min(smallMs, timeRound(fn, small, iterations));
    largeMs = Math.min(largeMs, timeRound(fn, large, iterations));
  }
  return { ratio: largeMs / smallMs, smallMs, largeMs };
}

function calibrate<T>(fn: (input: T) => unknown, input: T, minRoundMs: number): number {
  let iterations = 1;
  while (timeRound(fn, input, iterations) < minRoundMs && iterations < 1 << 20) iterations *= 2;
  return iterations;
}

function timeRound<T>(fn: (input: T) => unknown, input: T, iterations: number): number {
  const start = performance.now();
  for (let i = 0; i < iterations; i++) fn(input);
  return performance.now() - start;
}
