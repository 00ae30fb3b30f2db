import { isJsonObject } from '../input/json-object.js';

/** What went wrong with one mapping result; the caller rejects the item with it. */
export class MappingValueError extends Error {
  override readonly name = 'MappingValueError';
}

/** `a number`, `an array`, `nothing`… for `mapping.<key>: expression returned …` details. */
export function describeResult(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (isJsonObject(value)) return 'an object';
  const type = typeof value;
  return type === 'object' || type === 'undefined' ? type : `a ${type}`;
}

function wrongType(key: string, value: unknown, expected: string): MappingValueError {
  return new MappingValueError(`mapping.${key}: expression returned ${describeResult(value)}; expected ${expected}`);
}

/** An optional string; `''` counts as absent because JSONata's `&` turns missing fields into empty text. */
export function optionalString(key: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw wrongType(key, value, 'a string');
  return value === '' ? undefined : value;
}

export function requiredString(key: string, value: unknown, why = 'it is required'): string {
  const text = optionalString(key, value);
  if (text === undefined) {
    throw new MappingValueError(
      `mapping.${key}: expression returned ${value === '' ? 'an empty string' : describeResult(value)}; ${why}`,
    );
  }
  return text;
}

export function optionalBoolean(key: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw wrongType(key, value, 'true or false');
  return value;
}

/** A string map for labels and annotations: values stringified, nulls dropped (docs/signals-and-sources.md). */
export function stringMap(key: string, value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isJsonObject(value)) throw wrongType(key, value, 'an object');
  const map: Record<string, string> = {};
  for (const [name, entry] of Object.entries(value)) {
    if (entry === undefined || entry === null || typeof entry === 'function') continue;
    map[name] = typeof entry === 'string' ? entry : JSON.stringify(entry);
  }
  return map;
}

/** Plain JSON: JSONata results can carry sequence flags and functions that have no place in a job payload. */
export function jsonObject(key: string, value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (!isJsonObject(value)) throw wrongType(key, value, 'an object');
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}
