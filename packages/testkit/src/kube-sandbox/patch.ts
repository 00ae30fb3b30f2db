import { deepEqual } from '../crd-validator.js';

/** JSON merge patch (RFC 7386) and JSON patch (RFC 6902), as the API server applies them to custom resources. */

export class PatchError extends Error {
  override readonly name = 'PatchError';
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: unknown;
  from?: string;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`invalid JSON pointer ${JSON.stringify(pointer)}`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function resolveParent(doc: unknown, pointer: string): { parent: Record<string, unknown> | unknown[]; key: string } {
  const tokens = parsePointer(pointer);
  const key = tokens.pop();
  if (key === undefined) throw new PatchError('the root cannot be the target of this operation');
  let current: unknown = doc;
  for (const token of tokens) {
    const next: unknown = Array.isArray(current)
      ? current[Number(token)]
      : isObject(current)
        ? current[token]
        : undefined;
    if (next === undefined) throw new PatchError(`path ${JSON.stringify(pointer)} does not exist`);
    current = next;
  }
  if (!Array.isArray(current) && !isObject(current))
    throw new PatchError(`path ${JSON.stringify(pointer)} does not exist`);
  return { parent: current, key };
}

function readPointer(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  const { parent, key } = resolveParent(doc, pointer);
  const value = Array.isArray(parent) ? parent[Number(key)] : parent[key];
  if (value === undefined) throw new PatchError(`path ${JSON.stringify(pointer)} does not exist`);
  return value;
}

function arrayIndex(list: unknown[], key: string, forInsert: boolean): number {
  if (forInsert && key === '-') return list.length;
  const index = Number(key);
  const limit = forInsert ? list.length : list.length - 1;
  if (!/^\d+$/.test(key) || index > limit) throw new PatchError(`array index ${key} out of bounds`);
  return index;
}

function addAt(doc: unknown, pointer: string, value: unknown): unknown {
  if (pointer === '') return value;
  const { parent, key } = resolveParent(doc, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true), 0, value);
  else parent[key] = value;
  return doc;
}

function removeAt(doc: unknown, pointer: string): unknown {
  const { parent, key } = resolveParent(doc, pointer);
  if (Array.isArray(parent)) {
    parent.splice(arrayIndex(parent, key, false), 1);
  } else {
    if (!(key in parent)) throw new PatchError(`path ${JSON.stringify(pointer)} does not exist`);
    delete parent[key];
  }
  return doc;
}

export function applyJsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw new PatchError('a JSON patch must be an array of operations');
  let doc = structuredClone(target);
  for (const raw of operations as JsonPatchOperation[]) {
    if (!isObject(raw) || typeof raw.path !== 'string')
      throw new PatchError('each JSON patch operation needs op and path');
    switch (raw.op) {
      case 'add':
        doc = addAt(doc, raw.path, structuredClone(raw.value));
        break;
      case 'remove':
        doc = removeAt(doc, raw.path);
        break;
      case 'replace':
        readPointer(doc, raw.path);
        doc =
          raw.path === ''
            ? structuredClone(raw.value)
            : addAt(removeAt(doc, raw.path), raw.path, structuredClone(raw.value));
        break;
      case 'move': {
        const value = readPointer(doc, raw.from ?? '');
        doc = addAt(removeAt(doc, raw.from ?? ''), raw.path, value);
        break;
      }
      case 'copy':
        doc = addAt(doc, raw.path, structuredClone(readPointer(doc, raw.from ?? '')));
        break;
      case 'test':
        if (!deepEqual(readPointer(doc, raw.path), raw.value)) {
          throw new PatchError(`test operation failed at ${JSON.stringify(raw.path)}`);
        }
        break;
      default:
        throw new PatchError(`unknown JSON patch operation ${JSON.stringify((raw as { op: unknown }).op)}`);
    }
  }
  return doc;
}
