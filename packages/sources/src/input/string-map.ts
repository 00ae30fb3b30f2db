import { isJsonObject } from './json-object.js';

export type StringMapResult =
  | { ok: true; value: Record<string, string> }
  /** `key` names the offending entry; absent when the value is not an object at all. */
  | { ok: false; key?: string };

/** Reads a `string → string` map; a missing map is empty, anything that is not strings is refused. */
export function readStringMap(value: unknown): StringMapResult {
  if (value === undefined || value === null) return { ok: true, value: {} };
  if (!isJsonObject(value)) return { ok: false };
  const map: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') return { ok: false, key };
    map[key] = entry;
  }
  return { ok: true, value: map };
}
