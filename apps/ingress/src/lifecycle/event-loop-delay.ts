/**
 * How late the event loop runs, sampled by a repeating timer: each tick is due `intervalMs` after the last one, so
 * the time past that is how long the loop was busy with other work. A saturated ingress falls behind on the sockets
 * first (requests wait unread in kernel buffers, where no in-flight limit sees them) and the delay shows it.
 */
export interface EventLoopDelay {
  /**
   * The sustained delay in ms: the smallest of the last `window` ticks' delays and of how overdue the next tick is.
   * Saturation keeps every tick late; one garbage-collection pause, a CPU quota's throttled period or a slow
   * start makes one tick late, which this ignores.
   */
  sustainedMs(): number;
  stop(): void;
}

export interface EventLoopDelayOptions {
  intervalMs: number;
  /** Ticks a delay must last through to count (default 3). */
  window?: number;
  nowMs(): number;
  onSample?(delayMs: number): void;
}

export function startEventLoopDelay(options: EventLoopDelayOptions): EventLoopDelay {
  const recent = new Array<number>(options.window ?? 3).fill(0);
  let next = 0;
  let last = options.nowMs();
  const timer = setInterval(() => {
    const now = options.nowMs();
    const delay = Math.max(0, now - last - options.intervalMs);
    last = now;
    recent[next] = delay;
    next = (next + 1) % recent.length;
    options.onSample?.(delay);
  }, options.intervalMs);
  timer.unref();
  return {
    sustainedMs: () => Math.min(Math.min(...recent), options.nowMs() - last - options.intervalMs),
    stop: () => clearInterval(timer),
  };
}
