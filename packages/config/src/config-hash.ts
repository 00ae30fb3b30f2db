import { sha256Hex } from '@gateway/contracts';
import { isPlainObject } from './object-path.js';

function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalize);
  if (!isPlainObject(value)) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = canonicalize(value[key]);
  return sorted;
}

/** JSON with object keys sorted at every level, so equal documents serialise equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalize(value));
}

/** First 12 hex of sha256 of the canonical JSON (docs/configuration.md#configuration-hash). */
export function configHashOf(document: unknown): string {
  return sha256Hex(canonicalJson(document)).slice(0, 12);
}
