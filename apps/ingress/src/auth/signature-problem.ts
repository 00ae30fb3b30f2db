import type { VerifyResult } from '@gateway/sources';
import { ProblemError, RejectReason, retryAfter } from '../http/problem.js';

export type RefusedVerdict = Extract<VerifyResult, { ok: false }>;

/**
 * A signed timestamp outside its window is a replay (400) whatever status the verifier chose; a
 * sender that is not allowed (TopicArn) is 403; an unreachable certificate host is 503 so the sender retries;
 * anything else is a bad signature.
 */
export function signatureProblem(verdict: RefusedVerdict, retryAfterSeconds: number): ProblemError {
  if (verdict.problem === 'replay-rejected') {
    return new ProblemError('replay-rejected', verdict.detail, { reason: RejectReason.replay });
  }
  if (verdict.status === 403) return new ProblemError('forbidden', verdict.detail, { reason: RejectReason.forbidden });
  if (verdict.status === 503) {
    return new ProblemError('service-unavailable', verdict.detail, { headers: retryAfter(retryAfterSeconds) });
  }
  return new ProblemError('signature-invalid', verdict.detail, { reason: RejectReason.signatureInvalid });
}
