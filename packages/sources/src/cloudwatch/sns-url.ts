import { LinearRegExp } from '../regex/linear-regexp.js';

/** RFC 1035: no DNS name is longer, so a longer host is refused before any pattern sees it. */
const MAX_HOSTNAME_LENGTH = 253;

export type SnsUrlCheck = { ok: true; url: URL } | { ok: false; detail: string };

/**
 * SSRF guard for URLs taken from an SNS message (docs/signals-and-sources.md): https, no credentials, a host matching
 * `certHostPattern`, and for certificates a path ending in `.pem`.
 */
export function checkSnsUrl(
  value: unknown,
  field: 'SigningCertURL' | 'SubscribeURL',
  hostPattern: string,
  requirePem: boolean,
): SnsUrlCheck {
  const refuse = (why: string): SnsUrlCheck => ({ ok: false, detail: `${field} ${why}` });
  if (typeof value !== 'string') return refuse('is missing');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return refuse('is not a URL');
  }
  if (url.protocol !== 'https:') return refuse('must use https');
  if (url.username !== '' || url.password !== '') return refuse('must not carry credentials');
  if (url.hostname.length > MAX_HOSTNAME_LENGTH) return refuse(`host is longer than ${MAX_HOSTNAME_LENGTH} characters`);
  if (!new LinearRegExp(hostPattern).test(url.hostname)) return refuse('host does not match certHostPattern');
  if (requirePem && !url.pathname.endsWith('.pem')) return refuse('path must end in .pem');
  return { ok: true, url };
}
