import type { ConfigProblem } from '@gateway/config';

/**
 * A configuration that validated but cannot run in this build or on this host (an unreadable file, an expression
 * that does not compile). Its problems have the shape config loading reports, so startup prints them the same way
 * and a reload rejects the candidate with them.
 */
export class IngressSettingsError extends Error {
  override readonly name = 'IngressSettingsError';
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(problems.map((problem) => problem.message).join('; '));
  }
}
