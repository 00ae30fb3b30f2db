/**
 * How late the event loop runs, sampled by a repeating timer: each tick is due `intervalMs` after the last one, so
 * the time past that is how long the loop was busy with other work. A saturated ingress falls behind on the sockets
 * first (requests wait unread in kernel buffers, where no in-flight limit sees them) and the delay shows it.
 */
export interface EventLoopDelay {
  /**
   * The delay in ms: that of the latest tick, or, while the next tick is overdue, how overdue it is. The second part
   * is what makes a long stall visible to the requests handled during it, before the late tick can run.
   */
  currentMs(): number;
  stop(): void;
}

export interface EventLoopDelayOptions {
  intervalMs: number;
  nowMs(): number;
  onSample?(delayMs: number): void;
}

export function startEventLoopDelay(options: EventLoopDelayOptions): EventLoopDelay {
  let last = options.nowMs();
  let current = 0;
  const timer = setInterval(() => {
    const now = options.nowMs();
    current = Math.max(0, now - last - options.intervalMs);
    last = now;
    options.onSample?.(current);
  }, options.intervalMs);
  timer.unref();
  return {
    currentMs: () => Math.max(current, options.nowMs() - last - options.intervalMs),
    stop: () => clearInterval(timer),
  };
}
