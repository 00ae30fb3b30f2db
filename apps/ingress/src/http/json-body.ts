import { exceedsJsonDepth } from './json-depth.js';
import { findJsonErrorOffset } from './json-error-offset.js';

export type JsonBody = { ok: true; value: unknown } | { ok: false; detail: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * No sender's alert nests anywhere near this, while a body nested thousands deep parses fine and then overflows
 * the stack of whatever serialises it later (BullMQ's job JSON), long after the sender could be told why.
 */
export const MAX_JSON_DEPTH = 64;

/** Decodes a request body as UTF-8 JSON; problems are described by position only, never by content. */
export function decodeJsonBody(bytes: Uint8Array): JsonBody {
  if (bytes.byteLength === 0) return { ok: false, detail: 'Request body is empty; send a JSON document' };
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, detail: 'Request body is not valid UTF-8; encode the JSON body as UTF-8' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const offset = findJsonErrorOffset(bytes);
    const problem = offset >= bytes.byteLength ? 'ends unexpectedly' : `has a syntax error at byte offset ${offset}`;
    return { ok: false, detail: `Request body is not valid JSON: it ${problem}; send a well-formed JSON document` };
  }
  if (exceedsJsonDepth(value, MAX_JSON_DEPTH)) {
    return {
      ok: false,
      detail: `Request body nests arrays and objects deeper than the limit of ${MAX_JSON_DEPTH} levels; send a flatter JSON document`,
    };
  }
  return { ok: true, value };
}
