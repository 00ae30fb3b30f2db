import { formatTimestamp } from '@gateway/contracts';
import type { RawRequest } from '../source-definition.js';

/**
 * Credentials never reach expressions, whose results end up in RRs and audit events
 * (docs/security.md#secrets-in-logs-and-configuration).
 */
const HIDDEN_HEADERS: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization', 'cookie']);

/**
 * The variables expressions see besides `$` (the item): the whole body, the request's headers and query without
 * credentials or signatures, the source name and the receive time.
 */
export function customBindings(
  req: RawRequest,
  body: unknown,
  source: string,
  signatureHeader: string | undefined,
): Record<string, unknown> {
  const signature = signatureHeader?.toLowerCase();
  const headers = Object.fromEntries(
    Object.entries(req.headers)
      .map(([name, value]) => [name.toLowerCase(), value] as const)
      .filter(([name]) => !HIDDEN_HEADERS.has(name) && !name.includes('signature') && name !== signature),
  );
  const query = Object.fromEntries(Object.entries(req.query).filter(([name]) => name !== 'token'));
  return { body, headers, query, source, receivedAt: formatTimestamp(req.receivedAt) };
}
