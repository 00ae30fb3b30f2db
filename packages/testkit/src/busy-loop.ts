/** Keeps this thread busy for `ms`: what a saturated event loop looks like to timers and monitors. */
export function blockEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Busy on purpose.
  }
}

/**
 * A saturated process: busy for `ms` at a time, `turns` times, letting timers run in between (so a monitor's every
 * tick comes late), and busy once more at the end, so the caller continues inside a stall.
 */
export async function saturateEventLoop(ms: number, turns: number): Promise<void> {
  for (let i = 0; i < turns; i++) {
    blockEventLoop(ms);
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  blockEventLoop(ms);
}
