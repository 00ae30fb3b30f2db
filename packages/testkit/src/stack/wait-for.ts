import { setTimeout as delay } from 'node:timers/promises';

export interface WaitForOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** Pause between attempts (default 50 ms). */
  intervalMs?: number;
  /** Named in the timeout error, so a failing test says what it was waiting for. */
  description?: string;
}

/**
 * Polls until `predicate` returns something other than `false`, `undefined` or `null` and resolves with that
 * value. A predicate that throws counts as "not yet"; its last error is reported if the deadline passes, which
 * keeps assertion-style predicates (`expect(...)` inside) usable.
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  options: WaitForOptions = {},
): Promise<Exclude<T, false | undefined | null>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let attempts = 0;
  for (;;) {
    attempts += 1;
    try {
      const value = await predicate();
      if (value !== false && value !== undefined && value !== null)
        return value as Exclude<T, false | undefined | null>;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) break;
    await delay(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
  const what = options.description ? ` for ${options.description}` : '';
  const cause =
    lastError instanceof Error ? `: ${lastError.message}` : lastError !== undefined ? `: ${String(lastError)}` : '';
  throw new Error(`waitFor timed out after ${timeoutMs} ms${what} (${attempts} attempts)${cause}`, {
    cause: lastError,
  });
}
