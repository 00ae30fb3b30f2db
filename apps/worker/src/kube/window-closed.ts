import { isTerminalPhase } from '@gateway/contracts';
import type { HoldTerminalOptions, WindowFacts } from './hold-terminal.js';

/** Whether an RR's dedup window is closed at `nowMs` (SPEC §7.1). */
export function isWindowClosed(facts: WindowFacts, hold: HoldTerminalOptions, nowMs: number): boolean {
  if (!isTerminalPhase(facts.phase)) return false;
  if (hold.manualReview && facts.manualReviewRequired) return false;
  if (hold.backoff && facts.nextAllowedExecutionMs !== undefined && facts.nextAllowedExecutionMs > nowMs) return false;
  return true;
}
