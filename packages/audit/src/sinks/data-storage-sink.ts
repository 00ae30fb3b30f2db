import createClient from 'openapi-fetch';
import type { AuditEvent } from '../events/audit-event-types.js';
import type { paths } from '../generated/data-storage.js';
import { type AuditSink, type AuditSinkResult, SinkOutcome } from './audit-sink.js';
import { createTokenFileReader } from './token-file.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
export const BATCH_PATH = '/api/v1/audit/events/batch';

export interface DataStorageSinkOptions {
  baseUrl: string;
  requestTimeoutMs?: number;
  /** Bearer token file (the pod's service-account token); no Authorization header while it is absent. */
  tokenFile?: string;
  tokenRefreshIntervalMs?: number;
  fetch?: (request: Request) => Promise<Response>;
}

/** Only 400 and 413 say something about the batch itself; every other failure is transient. */
export function outcomeOfStatus(status: number): SinkOutcome {
  if (status >= 200 && status < 300) return SinkOutcome.accepted;
  if (status === 400) return SinkOutcome.rejected;
  if (status === 413) return SinkOutcome.tooLarge;
  return SinkOutcome.retry;
}

function problemDetailOf(error: unknown): string | undefined {
  if (typeof error === 'string') return error.slice(0, 1000) || undefined;
  if (error && typeof error === 'object') {
    const problem = error as { detail?: unknown; title?: unknown };
    if (typeof problem.detail === 'string') return problem.detail;
    if (typeof problem.title === 'string') return problem.title;
  }
  return undefined;
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/** Sends batches to Data Storage's batch endpoint, typed by the generated OpenAPI paths. */
export function createDataStorageSink(options: DataStorageSinkOptions): AuditSink {
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const client = createClient<paths>({ baseUrl: options.baseUrl, ...(options.fetch ? { fetch: options.fetch } : {}) });
  const readToken = options.tokenFile
    ? createTokenFileReader({ path: options.tokenFile, refreshIntervalMs: options.tokenRefreshIntervalMs })
    : async () => undefined;

  return {
    name: 'data-storage',
    async send(events, { requestId }): Promise<AuditSinkResult> {
      const token = await readToken();
      try {
        const { response, error } = await client.POST(BATCH_PATH, {
          body: events as AuditEvent[],
          params: { header: { 'X-Request-ID': requestId } },
          headers: token ? { Authorization: `Bearer ${token}` } : {},
          // The success body is not needed, and a malformed one must not turn a stored batch into a retry.
          parseAs: 'text',
          signal: AbortSignal.timeout(requestTimeoutMs),
        });
        const outcome = outcomeOfStatus(response.status);
        const problemDetail = outcome === SinkOutcome.accepted ? undefined : problemDetailOf(error);
        return { outcome, status: response.status, ...(problemDetail ? { problemDetail } : {}) };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return isTimeout(error)
          ? { outcome: SinkOutcome.retry, status: 'timeout', problemDetail: `no answer within ${requestTimeoutMs} ms` }
          : { outcome: SinkOutcome.retry, status: 'network_error', problemDetail: message };
      }
    },
  };
}
