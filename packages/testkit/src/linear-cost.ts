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
  /** Each round runs at least this long, so timer resolution does not matter. */
  minRoundMs?: number;
}

export interface LinearCost {
  /** Fastest call on the `8n` input over the fastest call on the `n` input. */
  ratio: number;
  /** Milliseconds per call, fastest round. */
  smallMs: number;
  largeMs: number;
}

/**
 * Measures how the cost of `fn` grows between `input(n)` and `input(8n)`: a ratio, not a wall-clock bound, so it
 * holds on slow and loaded machines alike. `fn` may be async. Rounds alternate between the two sizes so a burst of load hits both.
 */
export async function measureLinearCost<T>(
  fn: (input: T) => unknown,
  input: (size: number) => T,
  options: LinearCostOptions,
): Promise<LinearCost> {
  const rounds = options.rounds ?? 7;
  const minRoundMs = options.minRoundMs ?? 10;
  const small = input(options.n);
  const large = input(options.n * LINEAR_COST_GROWTH);
  // Calibrating twice lets the JIT optimise `fn` first; otherwise rounds shrink to noise once it has.
  await calibrate(fn, small, minRoundMs);
  await calibrate(fn, large, minRoundMs);
  const smallIterations = await calibrate(fn, small, minRoundMs);
  const largeIterations = await calibrate(fn, large, minRoundMs);
  let smallMs = Number.POSITIVE_INFINITY;
  let largeMs = Number.POSITIVE_INFINITY;
  for (let round = 0; round < rounds; round++) {
    smallMs = Math.min(smallMs, (await timeRound(fn, small, smallIterations)) / smallIterations);
    largeMs = Math.min(largeMs, (await timeRound(fn, large, largeIterations)) / largeIterations);
  }
  return { ratio: largeMs / smallMs, smallMs, largeMs };
}

/** Iterations for one round of at least `minRoundMs`. */
async function calibrate<T>(fn: (input: T) => unknown, input: T, minRoundMs: number): Promise<number> {
  let iterations = 1;
  while ((await timeRound(fn, input, iterations)) < minRoundMs && iterations < 1 << 24) iterations *= 2;
  return iterations;
}

/** Awaits only what `fn` returns as a promise, so synchronous parsers are timed without a microtask per call. */
async function timeRound<T>(fn: (input: T) => unknown, input: T, iterations: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < iterations; i++) {
    const result = fn(input);
    if (result instanceof Promise) await result;
  }
  return performance.now() - start;
}

/** Measurements per input family before it counts as super-linear: load on the machine only ever adds time. */
const ATTEMPTS = 3;

/**
 * Runs `measureLinearCost` on each named input family and returns the ratios of those that grew faster than
 * linearly: `{}` when all stayed linear, so a failing test names the input and shows its ratio. A family over the
 * bound is measured again, up to three times, and its lowest ratio counts; a truly super-linear one stays over.
 */
export async function superLinearInputs<T>(
  fn: (input: T) => unknown,
  inputs: Readonly<Record<string, (size: number) => T>>,
  options: LinearCostOptions,
): Promise<Record<string, number>> {
  const failures: Record<string, number> = {};
  for (const [name, input] of Object.entries(inputs)) {
    let ratio = Number.POSITIVE_INFINITY;
    for (let attempt = 0; attempt < ATTEMPTS && ratio >= LINEAR_COST_MAX_RATIO; attempt++) {
      ratio = Math.min(ratio, (await measureLinearCost(fn, input, options)).ratio);
    }
    if (ratio >= LINEAR_COST_MAX_RATIO) failures[name] = Math.round(ratio * 10) / 10;
  }
  return failures;
}
