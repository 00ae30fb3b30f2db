export interface MediaType {
  /** Lowercase `type/subtype`. */
  essence: string;
  type: string;
  subtype: string;
  parameters: Record<string, string>;
}

const TCHAR = /^[!#$%&'*+.^_`|~0-9A-Za-z-]$/;

/**
 * RFC 9110 §8.3.1 media type: `type/subtype`, then `;`-separated `name=value` parameters (token or quoted-string
 * values) with optional whitespace around each `;`; empty parameters (`;;`) are tolerated. Undefined when the
 * header does not parse. A single left-to-right pass: this runs before authentication, and a backtracking
 * pattern over this grammar took seconds on a 65-byte header.
 */
export function parseMediaType(header: string): MediaType | undefined {
  const text = header.trim();
  let at = 0;
  const token = (): string | undefined => {
    const start = at;
    while (at < text.length && TCHAR.test(text[at]!)) at++;
    return at > start ? text.slice(start, at) : undefined;
  };
  const skipWhitespace = () => {
    while (text[at] === ' ' || text[at] === '\t') at++;
  };
  // Unescaped runs are sliced whole; only a backslash starts a new run (the escaped character opens it).
  const quotedString = (): string | undefined => {
    const runs: string[] = [];
    let runStart = ++at;
    for (; at < text.length; at++) {
      const ch = text[at];
      if (ch === '"') {
        runs.push(text.slice(runStart, at++));
        return runs.join('');
      }
      if (ch === '\\') {
        runs.push(text.slice(runStart, at));
        runStart = ++at;
      }
    }
    return undefined;
  };

  const type = token();
  if (type === undefined || text[at] !== '/') return undefined;
  at++;
  const subtype = token();
  if (subtype === undefined) return undefined;
  const parameters: Record<string, string> = {};
  for (;;) {
    skipWhitespace();
    if (at === text.length) break;
    if (text[at] !== ';') return undefined;
    at++;
    skipWhitespace();
    if (at === text.length || text[at] === ';') continue;
    const name = token();
    if (name === undefined || text[at] !== '=') return undefined;
    at++;
    const value = text[at] === '"' ? quotedString() : token();
    if (value === undefined) return undefined;
    parameters[name.toLowerCase()] = value;
  }
  const lowerType = type.toLowerCase();
  const lowerSubtype = subtype.toLowerCase();
  return { essence: `${lowerType}/${lowerSubtype}`, type: lowerType, subtype: lowerSubtype, parameters };
}

export const DEFAULT_CONTENT_TYPES: readonly string[] = ['application/json'];

export type MediaTypeCheck =
  | { ok: true }
  | { ok: false; slug: 'unsupported-media-type' | 'validation-error'; detail: string };

/**
 * JSON and `application/*+json` always, plus what the source lists; a missing Content-Type is JSON;
 * compressed bodies are refused because the byte limit must apply to what is parsed
 * (docs/http-api.md#body-and-media-types).
 */
export function checkMediaType(
  contentType: string | undefined,
  contentEncoding: string | undefined,
  sourceContentTypes: readonly string[] = DEFAULT_CONTENT_TYPES,
): MediaTypeCheck {
  const encoding = contentEncoding?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
    return {
      ok: false,
      slug: 'unsupported-media-type',
      detail: 'Compressed request bodies are not accepted; send the body without Content-Encoding',
    };
  }
  if (contentType === undefined || contentType.trim() === '') return { ok: true };
  const mediaType = parseMediaType(contentType);
  if (mediaType === undefined) {
    return {
      ok: false,
      slug: 'validation-error',
      detail: 'Content-Type header does not parse; send Content-Type: application/json',
    };
  }
  const accepted =
    mediaType.essence === 'application/json' ||
    (mediaType.type === 'application' && mediaType.subtype.endsWith('+json')) ||
    sourceContentTypes.some((listed) => listed.toLowerCase() === mediaType.essence);
  if (accepted) return { ok: true };
  return {
    ok: false,
    slug: 'unsupported-media-type',
    detail: `Media type is not accepted on this endpoint; send one of: ${[...new Set(['application/json', ...sourceContentTypes])].join(', ')}`,
  };
}
