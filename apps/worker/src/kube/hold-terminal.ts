/** `dedup.holdTerminal.*`: keep a terminal RR's window open while the orchestrator may still act. */
export interface HoldTerminalOptions {
  /** While `status.completionStatus.outcome` is `ManualReviewRequired`. */
  manualReview: boolean;
  /** While `status.routingStatus.nextAllowedExecution` is in the future. */
  backoff: boolean;
}

/** What the window decision needs from one RemediationRequest. */
export interface WindowFacts {
  phase: string;
  manualReviewRequired: boolean;
  /** Epoch ms of `nextAllowedExecution`, undefined when unset or unparsable. */
  nextAllowedExecutionMs: number | undefined;
}
