import { createHmac, timingSafeEqual } from 'node:crypto';
import type { VerifyResult } from '../source-definition.js';
import type { HmacSettings } from './hmac-settings.js';
import { checkTimestampWindow } from './replay-window.js';

const encoder = new TextEncoder();

/**
 * Checks the HMAC header over the raw body, or over `<timestamp>:<body>` when a timestamp header
 * is configured. A bad or missing signature is `401`; a missing, malformed or stale timestamp is `replay-rejected`.
 * The signature is checked before the window so that a sender without the secret only ever learns "401".
 */
export function verifyHmac(
  rawBody: Uint8Array,
  headers: Readonly<Record<string, string>>,
  settings: HmacSettings,
  now: Date,
): VerifyResult {
  const header = headers[settings.header.toLowerCase()];
  if (header === undefined || header.trim() === '') {
    return signatureInvalid(`missing ${settings.header} header; configure the sender to sign requests`);
  }
  let signed = rawBody;
  let timestamp: string | undefined;
  if (settings.timestampHeader !== undefined) {
    timestamp = headers[settings.timestampHeader.toLowerCase()];
    if (timestamp === undefined) return replayRejected(`missing ${settings.timestampHeader} header`);
    signed = Buffer.concat([encoder.encode(`${timestamp}:`), rawBody]);
  }
  if (!signatureMatches(header, signed, settings)) {
    return signatureInvalid(`${settings.header} does not match the request body; check the shared secret`);
  }
  if (timestamp !== undefined) {
    const stale = checkTimestampWindow(timestamp, now.getTime());
    if (stale !== undefined) return replayRejected(stale);
  }
  return { ok: true };
}

function signatureMatches(header: string, signed: Uint8Array, settings: HmacSettings): boolean {
  let presented = header.trim();
  if (!presented.startsWith(settings.prefix)) return false;
  presented = presented.slice(settings.prefix.length).trim();
  const digest = createHmac(settings.algorithm, settings.secret).update(signed).digest(settings.encoding);
  // Hex case carries no meaning; base64 case does.
  const expected = Buffer.from(digest);
  const actual = Buffer.from(settings.encoding === 'hex' ? presented.toLowerCase() : presented);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function signatureInvalid(detail: string): VerifyResult {
  return { ok: false, status: 401, detail };
}

function replayRejected(detail: string): VerifyResult {
  return { ok: false, status: 401, problem: 'replay-rejected', detail };
}
