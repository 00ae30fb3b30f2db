export interface MediaType {
  /** Lowercase `type/subtype`. */
  essence: string;
  type: string;
  subtype: string;
  parameters: Record<string, string>;
}

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const QUOTED_STRING = '"(?:[^"\\\\]|\\\\.)*"';
const MEDIA_TYPE = new RegExp(
  `^(${TOKEN})/(${TOKEN})((?:[ \\t]*;[ \\t]*(?:${TOKEN}=(?:${TOKEN}|${QUOTED_STRING}))?)*)[ \\t]*$`,
);
const PARAMETER = new RegExp(`(${TOKEN})=(${TOKEN}|${QUOTED_STRING})`, 'g');

/** RFC 9110 §8.3.1 media type; undefined when the header does not parse. */
export function parseMediaType(header: string): MediaType | undefined {
  const match = MEDIA_TYPE.exec(header.trim());
  if (!match) return undefined;
  const type = match[1]!.toLowerCase();
  const subtype = match[2]!.toLowerCase();
  const parameters: Record<string, string> = {};
  for (const [, name, value] of (match[3] ?? '').matchAll(PARAMETER)) {
    const raw = value!;
    parameters[name!.toLowerCase()] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
  }
  return { essence: `${type}/${subtype}`, type, subtype, parameters };
}

export const DEFAULT_CONTENT_TYPES: readonly string[] = ['application/json'];

export type MediaTypeCheck =
  | { ok: true }
  | { ok: false; slug: 'unsupported-media-type' | 'validation-error'; detail: string };

/**
 * SPEC §2.3: JSON and `application/*+json` always, plus what the source lists; a missing Content-Type is JSON;
 * compressed bodies are refused because the byte limit must apply to what is parsed.
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
