const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Same limits as Kubernaut (docs/signals-and-sources.md#common-normalisation). */
export const SIGNAL_NAME_MAX_CHARS = 253;
export const SEVERITY_MAX_CHARS = 50;
export const LABEL_VALUE_MAX_BYTES = 63;
export const ANNOTATION_VALUE_MAX_BYTES = 262_000;

/** Cuts to `maxBytes` of UTF-8 without splitting a multi-byte character. */
export function truncateUtf8(value: string, maxBytes: number): string {
  // A UTF-16 code unit never encodes to more than 3 bytes, so short strings skip the encoding.
  if (value.length * 3 <= maxBytes) return value;
  const bytes = encoder.encode(value);
  if (bytes.length <= maxBytes) return value;
  let end = maxBytes;
  // Continuation bytes are 10xxxxxx; backing up to a lead byte keeps the cut on a character boundary.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return decoder.decode(bytes.subarray(0, end));
}

/** Cuts to `max` UTF-16 code units (what the zod limits count) without leaving half a surrogate pair. */
export function truncateChars(value: string, max: number): string {
  if (value.length <= max) return value;
  const last = value.charCodeAt(max - 1);
  const end = last >= 0xd800 && last <= 0xdbff ? max - 1 : max;
  return value.slice(0, end);
}

export function limitSignalName(value: string): string {
  return truncateChars(value, SIGNAL_NAME_MAX_CHARS);
}

export function limitLabelValues(labels: Record<string, string>): Record<string, string> {
  return mapValues(labels, (value) => truncateUtf8(value, LABEL_VALUE_MAX_BYTES));
}

export function limitAnnotationValues(annotations: Record<string, string>): Record<string, string> {
  return mapValues(annotations, (value) => truncateUtf8(value, ANNOTATION_VALUE_MAX_BYTES));
}

function mapValues(map: Record<string, string>, fn: (value: string) => string): Record<string, string> {
  return Object.fromEntries(Object.entries(map).map(([key, value]) => [key, fn(value)]));
}
