import { isTerminalPhase } from '@gateway/contracts';
import type { HoldTerminalOptions, WindowFacts } from './hold-terminal.js';

/**
 * Whether an RR's dedup window is closed at `nowMs`: only a terminal phase closes it (unknown phases do not),
 * unless a `dedup.holdTerminal` option still holds it open (docs/fingerprints-and-windows.md#dedup-windows).
 */
export function isWindowClosed(facts: WindowFacts, hold: HoldTerminalOptions, nowMs: number): boolean {
  if (!isTerminalPhase(facts.phase)) return false;
  if (hold.manualReview && facts.manualReviewRequired) return false;
  if (hold.backoff && facts.nextAllowedExecutionMs !== undefined && facts.nextAllowedExecutionMs > nowMs) return false;
  return true;
}
