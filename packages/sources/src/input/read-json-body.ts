import type { RawRequest } from '../source-definition.js';
import { SourceInputError } from '../source-definition.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Prefers the body ingress already parsed; falls back to the raw bytes so a mislabelled JSON body still parses. */
export function readJsonBody(req: RawRequest): unknown {
  if (req.json !== undefined) return req.json;
  try {
    return JSON.parse(decoder.decode(req.rawBody));
  } catch {
    throw new SourceInputError('body is not valid JSON: send a UTF-8 JSON object');
  }
}
