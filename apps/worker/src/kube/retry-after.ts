import { parseJsonText } from './parse-json-text.js';

/**
 * How long the API server asked us to wait, in ms, from a client-node `ApiException` (headers are a plain
 * lowercase record) or the Status body's `details.retryAfterSeconds`. Undefined when it did not say.
 */
export function retryAfterMs(apiError: unknown, nowMs: number): number | undefined {
  if (typeof apiError !== 'object' || apiError === null) return undefined;
  const { headers, body } = apiError as { headers?: unknown; body?: unknown };
  const header = (headers as Record<string, unknown> | undefined)?.['retry-after'];
  if (typeof header === 'string' && header.trim() !== '') {
    const text = header.trim();
    if (/^\d+$/.test(text)) return Number(text) * 1000;
    const dateMs = Date.parse(text);
    if (Number.isFinite(dateMs)) return Math.max(0, dateMs - nowMs);
  }
  const status = typeof body === 'string' ? parseJsonText(body) : body;
  const seconds = (status as { details?: { retryAfterSeconds?: unknown } } | undefined)?.details?.retryAfterSeconds;
  return typeof seconds === 'number' && seconds >= 0 ? seconds * 1000 : undefined;
}
