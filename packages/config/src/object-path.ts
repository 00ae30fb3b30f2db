export type ConfigPath = readonly (string | number)[];

const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;

/** `auth.tokens[0].token`; keys that would be ambiguous in dotted form are quoted. */
export function formatPath(path: ConfigPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function getAt(document: unknown, path: ConfigPath): unknown {
  let current = document;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === 'number') current = current[segment];
    else if (isPlainObject(current) && Object.hasOwn(current, segment)) current = current[segment];
    else return undefined;
  }
  return current;
}

/** Objects merge key by key; anything else (arrays included) replaces, as operators expect from overrides. */
export function mergeDeep(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = mergeDeep(merged[key], value);
  return merged;
}

/** Copy of `document` with `value` merged in at `path`; missing containers become objects or, before an index, arrays. */
export function mergeAt(document: unknown, path: ConfigPath, value: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return mergeDeep(document, value);
  if (typeof head === 'number') {
    const items = Array.isArray(document) ? [...document] : [];
    items[head] = mergeAt(items[head], rest, value);
    return items;
  }
  const object = isPlainObject(document) ? { ...document } : {};
  object[head] = mergeAt(object[head], rest, value);
  return object;
}
