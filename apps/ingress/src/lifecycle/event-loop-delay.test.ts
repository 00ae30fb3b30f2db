import { describe, expect, it } from 'vitest';
import { startEventLoopDelay } from './event-loop-delay.js';

function blockFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Busy on purpose: this is the saturated loop the monitor must see.
  }
}

describe('event-loop-delay', () => {
  it('reports a stall while it lasts and after it, then falls back once the loop runs on time', async () => {
    const samples: number[] = [];
    const delay = startEventLoopDelay({
      intervalMs: 10,
      nowMs: () => performance.now(),
      onSample: (ms) => samples.push(ms),
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 30));
      blockFor(120);
      // Still inside the stall: the overdue tick is what a request handled now would see.
      expect(delay.currentMs()).toBeGreaterThanOrEqual(100);
      await new Promise((resolve) => setTimeout(resolve, 0));
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(Math.max(...samples)).toBeGreaterThanOrEqual(100);
      const before = samples.length;
      // Two ticks in a row on time bring the figure down again.
      await new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (samples.length >= before + 2 && delay.currentMs() < 100) {
            clearInterval(check);
            resolve();
          }
        }, 5);
      });
      expect(delay.currentMs()).toBeLessThan(100);
    } finally {
      delay.stop();
    }
  });
});
