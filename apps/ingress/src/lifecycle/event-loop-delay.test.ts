import { blockEventLoop, saturateEventLoop } from '@gateway/testkit';
import { describe, expect, it } from 'vitest';
import { startEventLoopDelay } from './event-loop-delay.js';

const nextTurn = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('event-loop-delay', () => {
  it('ignores one stall and reports a loop that stays late, then falls back once it runs on time', async () => {
    const delay = startEventLoopDelay({ intervalMs: 10, nowMs: () => performance.now() });
    try {
      await nextTurn();
      blockEventLoop(150);
      // A garbage-collection pause or a throttled CPU period: one late tick is not saturation.
      expect(delay.sustainedMs()).toBeLessThan(100);
      await nextTurn();
      await saturateEventLoop(150, 4);
      expect(delay.sustainedMs()).toBeGreaterThanOrEqual(100);
      // Ticks on time bring the figure down again (the first one does, since the smallest delay counts).
      await new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (delay.sustainedMs() < 100) {
            clearInterval(check);
            resolve();
          }
        }, 5);
      });
      expect(delay.sustainedMs()).toBeLessThan(100);
    } finally {
      delay.stop();
    }
  });
});
